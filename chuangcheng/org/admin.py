"""The Django admin for regions, units, people and roles, sites, leader assignments and the
working calendar: in Chinese (the models' ``verbose_name``), with search and autocomplete.

The region tree's ``path`` is kept by :mod:`chuangcheng.org.services`: adding a region goes
through ``region_create``, changing its parent through ``region_move``; the admin never writes
``path`` itself.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import services
from .adminkit import ServiceDeletes
from .models import (
    AliasSource,
    CalendarOverride,
    HolidayYear,
    LeaderAssignment,
    Membership,
    Region,
    Site,
    Unit,
    UnitAlias,
    User,
)
from .passwords import AdminPasswordChangeForm
from .services import region_create, region_move

# --- People ------------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["unit", "role", "scope_region"]
    autocomplete_fields = ["unit", "scope_region"]


# Permissions are stored with Django's English names ("Can add log entry"): shown in the
# reader's language from the codename and the model's (translated) verbose name instead.
PERMISSION_VERBS = {
    "add": pgettext_lazy("permission", "新增"),
    "change": pgettext_lazy("permission", "修改"),
    "delete": pgettext_lazy("permission", "删除"),
    "view": pgettext_lazy("permission", "查看"),
}


def permission_label(permission):
    verb, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    app = str(apps.get_app_config(permission.content_type.app_label).verbose_name)
    if verb in PERMISSION_VERBS and model_name == model._meta.model_name:
        return gettext("%(app)s | 可%(verb)s%(model)s") % {
            "app": app,
            "verb": PERMISSION_VERBS[verb],
            "model": model._meta.verbose_name,
        }
    return f"{app} | {permission.name}"


class PermissionLabels:
    """Admin mixin: the permissions widget lists permissions by :func:`permission_label`."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabels, DjangoGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionLabels, DjangoUserAdmin):
    """Django's user admin plus name and phone; roles are edited as memberships on the same page.

    A password the admin sets — a new user's, or 修改密码 on someone's page — is for one sign-in:
    the person must change it first (``must_change_password``, :mod:`chuangcheng.org.passwords`)."""

    change_password_form = AdminPasswordChangeForm
    fieldsets = (
        (None, {"fields": ("username", "password", "must_change_password")}),
        # One 姓名 (Chinese names are not first + last; Django's two fields read "水务 周").
        (_("个人信息"), {"fields": ("display_name", "phone", "email")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (*DjangoUserAdmin.add_fieldsets[0][1]["fields"], "display_name", "phone", "email"),
            },
        ),
    )
    list_display = ["username", "display_name", "phone", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "must_change_password", "is_staff", "is_superuser", "memberships__role"]
    search_fields = ["username", "display_name", "phone", "email", "first_name", "last_name"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        # An admin who sets their own password here has chosen it: no change asked for.
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) == str(id):
            User.objects.filter(pk=request.user.pk).update(must_change_password=False)
            request.user.must_change_password = False
        return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "scope_region", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "unit", "scope_region"]
    search_fields = ["user__username", "user__display_name", "unit__name"]
    autocomplete_fields = ["user", "unit", "scope_region"]


# --- Regions -----------------------------------------------------------------------------------


def _path_ids(path):
    return [int(p) for p in path.strip("/").split("/") if p]


class RegionChangeList(ChangeList):
    """Annotates the rows of one page with their ancestors' names and their number of children:
    two queries for the page, whatever its size (no per-row lookups)."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluates (and caches) the page queryset
        ancestor_ids = {i for r in rows for i in _path_ids(r.path)[:-1]}
        names = dict(Region.objects.filter(pk__in=ancestor_ids).values_list("pk", "name")) if ancestor_ids else {}
        child_counts = dict(
            Region.objects.filter(parent_id__in=[r.pk for r in rows])
            .values("parent_id")
            .annotate(n=Count("pk"))
            .values_list("parent_id", "n")
        )
        for r in rows:
            r.ancestor_names = [names[i] for i in _path_ids(r.path)[:-1] if i in names]
            r.child_count = child_counts.get(r.pk, 0)


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "code", "level", "parent", "area_class"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        region = self.instance
        if parent is not None and region.pk and parent.path.startswith(region.path):
            raise forms.ValidationError(gettext("不能把区划移到它自己或它的下级之下（会形成循环）。"))
        return parent


@admin.register(Region)
class RegionAdmin(ServiceDeletes, admin.ModelAdmin):
    """The division tree, listed in tree order (by ``path``) with names indented by depth."""

    form = RegionForm
    list_display = ["tree_name", "ancestor_chain", "level", "code", "area_class", "children_link"]
    list_filter = ["level", "area_class"]
    search_fields = ["name", "^code"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]
    list_per_page = 100
    fields = ["name", "code", "level", "parent", "area_class", "path"]

    def get_readonly_fields(self, request, obj=None):
        # The level of an existing region shapes its subtree (children must sit lower), so it is
        # fixed once created; a wrong level is corrected by a new region and a move.
        return ["path", "level"] if obj is not None else ["path"]

    def get_changelist(self, request, **kwargs):
        return RegionChangeList

    @admin.display(description=_("名称"), ordering="path")
    def tree_name(self, region):
        depth = len(_path_ids(region.path)) - 1
        if depth <= 0:
            return format_html('<strong style="white-space: nowrap">{}</strong>', region.name)
        return format_html(
            '<span style="white-space: nowrap; padding-left: {}em">└ {}</span>', depth * 1.5, region.name
        )

    @admin.display(description=_("上级区划"))
    def ancestor_chain(self, region):
        names = getattr(region, "ancestor_names", None)
        if names is None:  # outside the changelist
            names = [r.name for r in region.ancestors()]
        return " › ".join(names) or "—"

    @admin.display(description=_("下级区划"))
    def children_link(self, region):
        count = getattr(region, "child_count", None)
        if count is None:
            count = region.children.count()
        if not count:
            return "—"
        url = reverse("admin:org_region_changelist") + f"?parent__id__exact={region.pk}"
        return format_html('<a href="{}" style="white-space: nowrap">{}（{}）</a>', url, gettext("下级区划"), count)

    def changelist_view(self, request, extra_context=None):
        parent_id = request.GET.get("parent__id__exact")
        if parent_id and parent_id.isdigit():
            parent = Region.objects.filter(pk=parent_id).first()
            if parent is not None:
                extra_context = {
                    **(extra_context or {}),
                    "title": gettext("“%(name)s”的下级区划") % {"name": parent.full_name()},
                }
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            created = region_create(
                name=obj.name, level=obj.level, parent=obj.parent, code=obj.code, area_class=obj.area_class
            )
            # The admin goes on with ``obj`` (log entry, redirect): make it the saved row.
            obj.pk, obj.path = created.pk, created.path
            obj._state.adding, obj._state.db = False, created._state.db
            return
        plain = [f for f in ("name", "code", "area_class") if f in form.changed_data]
        if plain:
            obj.save(update_fields=plain)
        if "parent" in form.changed_data:
            region_move(region=obj, new_parent=obj.parent)

    def delete_service(self, actor, obj):
        services.region_delete(actor=actor, region=obj)


# --- Units and sites ---------------------------------------------------------------------------


class UnitAliasInline(admin.TabularInline):
    """简称/别名 edited on the unit's page; imports match names against them."""

    model = UnitAlias
    extra = 1
    fields = ["name", "source", "created_at"]
    readonly_fields = ["created_at"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["source"].initial = AliasSource.MANUAL
        return formset


@admin.register(Unit)
class UnitAdmin(ServiceDeletes, admin.ModelAdmin):
    list_display = ["name", "short_name", "alias_list", "kind", "level", "region", "parent", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    list_select_related = ["region", "parent"]
    search_fields = ["name", "short_name", "aliases__name"]
    autocomplete_fields = ["region", "parent"]
    inlines = [UnitAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description=_("别名"))
    def alias_list(self, unit):
        return "、".join(a.name for a in unit.aliases.all()) or "—"

    def delete_service(self, actor, obj):
        services.unit_delete(actor=actor, unit=obj)


@admin.register(UnitAlias)
class UnitAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "source", "created_at"]
    list_filter = ["source"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(Site)
class SiteAdmin(ServiceDeletes, admin.ModelAdmin):
    list_display = ["name", "site_type", "region", "responsible_unit", "address", "is_active"]
    list_filter = ["site_type", "is_active"]
    list_select_related = ["region", "responsible_unit"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["region", "responsible_unit"]

    def delete_service(self, actor, obj):
        services.site_delete(actor=actor, site=obj)


# --- Leader assignments and the calendar -------------------------------------------------------


@admin.register(LeaderAssignment)
class LeaderAssignmentAdmin(admin.ModelAdmin):
    list_display = ["campaign", "leader", "unit", "region", "site", "kind", "note"]
    list_filter = ["campaign", "kind"]
    list_select_related = ["campaign", "leader", "unit", "region", "site"]
    search_fields = [
        "leader__username",
        "leader__display_name",
        "unit__name",
        "region__name",
        "site__name",
    ]
    autocomplete_fields = ["campaign", "leader", "unit", "region", "site"]


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Years whose holiday notice is loaded (import_calendar adds them; an admin who typed a
    year's overrides by hand adds the year here so the calendar counts it as known)."""

    list_display = ["year", "source", "loaded_at"]
    search_fields = ["source"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]
