"""The admin goes through the services (STYLE.md: every write that matters checks role, scope
and state in one service): forms check by running the service on a savepoint that is rolled
back, saves and deletes call the service, and a refusal is shown in Chinese with nothing written.

- :class:`ServiceDeletes` — the delete page and the bulk "删除所选" action call a service
  (``region_delete``, ``unit_delete``…) that refuses what must not go (leader assignments,
  references), instead of Django's silent cascade;
- :func:`checked_by_service` — a form's ``clean`` runs a service as a dry run and turns its
  :class:`~chuangcheng.exceptions.ApplicationError` into a field or form error;
- :class:`ReadOnlyAdmin` — for what only services write (issues, dossiers, rounds, 约谈…): the
  admin looks and searches, never adds, changes or deletes.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.exceptions import ApplicationError


class _DryRun(Exception):
    pass


def checked_by_service(form, run):
    """Run ``run()`` (a service call) and undo it; its refusal becomes the form's error."""
    try:
        with transaction.atomic():
            run()
            raise _DryRun
    except _DryRun:
        pass
    except ApplicationError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)


class ServiceDeletes:
    """Admin mixin: ``delete_service(actor, obj)`` deletes one object or refuses (ApplicationError)."""

    def delete_service(self, actor, obj):
        raise NotImplementedError

    def _url(self, name, *args):
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{name}", args=args)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and request.POST.get("post"):
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_delete_permission(request, obj):
                try:
                    with transaction.atomic():
                        self.delete_service(request.user, obj)
                except ApplicationError as error:
                    self.message_user(request, error.message, messages.ERROR)
                    return HttpResponseRedirect(self._url("change", obj.pk))
                self.message_user(request, _("已删除“%(o)s”。") % {"o": obj}, messages.SUCCESS)
                return HttpResponseRedirect(self._url("changelist"))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                type(self).delete_selected_by_service,
                "delete_selected",
                gettext_lazy("删除所选%(verbose_name_plural)s"),
            )
        return actions

    @admin.action(permissions=["delete"])
    def delete_selected_by_service(self, request, queryset):
        """All or nothing: the first refusal undoes the others and is shown."""
        objects = list(queryset)
        try:
            with transaction.atomic():
                for obj in objects:
                    self.delete_service(request.user, obj)
        except ApplicationError as error:
            self.message_user(request, _("未删除任何一项：%(m)s") % {"m": error.message}, messages.ERROR)
            return None
        self.message_user(request, _("已删除 %(n)s 项。") % {"n": len(objects)}, messages.SUCCESS)
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, search, never write: the rows are written through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
