"""The 历史 page in the admin for every tracked model (see :mod:`chuangcheng.history.models`).

The tracked models' admins live in their own apps (org, campaigns, reports), which this app
sits above and may not be imported by. So their registered admin classes are re-registered
here with :class:`~simple_history.admin.SimpleHistoryAdmin` mixed in — the same admin
otherwise (its lists, forms and ``save_model``), plus a 历史 button whose page lists every
change with the time, the person and each field's old → new value (choices by their labels).

The history is append-only: reverting from it is switched off (``SIMPLE_HISTORY_REVERT_DISABLED``);
a change is made on the object's own form, which records a new history row.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .models import TRACKED


class LabelledContextHelper(HistoricalRecordContextHelper):
    """Old and new values of a choices field by their labels (包保领导, not ``baobao``)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if getattr(field, "choices", None) and not field.many_to_many:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdminMixin(SimpleHistoryAdmin):
    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledContextHelper(self.model, historical_record)


def with_history(model):
    """Re-register ``model``'s admin with the history view mixed in (once)."""
    current = admin.site._registry.get(model)
    if current is None or isinstance(current, HistoryAdminMixin):
        return
    admin_class = type(current)
    admin.site.unregister(model)
    admin.site.register(model, type(admin_class.__name__, (HistoryAdminMixin, admin_class), {}))


for _model in TRACKED:
    with_history(_model)
