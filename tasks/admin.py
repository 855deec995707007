"""系统管理 → 领导包保（任务）: through the services (a refusal is shown, nothing written)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.adminkit import ServiceDeletes, checked_by_service
from chuangcheng.org.models import User

from . import services
from .models import TaskLeader


class TaskLeaderForm(forms.ModelForm):
    class Meta:
        model = TaskLeader
        fields = ["task", "leader", "kind", "note"]

    def clean(self):
        data = super().clean()
        if not self.errors and self.instance.pk is None:
            checked_by_service(
                self,
                lambda: services.task_leader_assign(
                    actor=self.request_user,
                    task_id=data["task"].pk,
                    leader=data["leader"],
                    kind=data["kind"],
                    note=data.get("note", ""),
                ),
            )
        return data


@admin.register(TaskLeader)
class TaskLeaderAdmin(ServiceDeletes, admin.ModelAdmin):
    form = TaskLeaderForm
    list_display = ["task", "leader", "kind", "note"]
    list_filter = ["kind", "task__campaign"]
    list_select_related = ["task", "leader"]
    search_fields = ["task__title", "leader__username", "leader__display_name"]
    # Tasks have no admin (and so no autocomplete): an id box, never a select of every task.
    raw_id_fields = ["task"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "leader":  # only people who hold the 包保领导 role: a short list
            kwargs["queryset"] = (
                User.objects.filter(is_active=True, memberships__role="leader").distinct().order_by("display_name")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "task":
            field.help_text = _(
                "任务的编号：打开任务页，地址 /tasks/编号/ 中的数字（不是台账里的序号）。保存后核对提示中的任务名称。"
            )
            field.error_messages["invalid_choice"] = _("没有这个编号的任务。")
        return field

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        # An assignment is made or ended (through the services), never edited.
        return ["task", "leader", "kind", "note"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:  # nothing editable: nothing to write
            return
        created = services.task_leader_assign(
            actor=request.user, task_id=obj.task_id, leader=obj.leader, kind=obj.kind, note=obj.note
        )
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    def delete_service(self, actor, obj):
        services.task_leader_remove(actor=actor, assignment=obj)
