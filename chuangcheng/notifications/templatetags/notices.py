"""The bell: the signed-in person's unread in-app notices (one query per page)."""

from django import template

from chuangcheng.notifications.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context):
    return unread_count(context.get("request"))
