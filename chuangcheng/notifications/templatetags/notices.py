"""The bell: the signed-in person's unread in-app notices (one query per page)."""

from django import template

from chuangcheng.notifications.models import Notice

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notice_count"):
        request._unread_notice_count = Notice.objects.visible_to(user).unread().count()
    return request._unread_notice_count
