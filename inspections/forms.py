"""Forms of the inspection pages: they collect input, the services decide.

A form checks only what HTML can carry (a date is a date, a choice is one of the choices);
every rule of the lifecycle (a reason to dismiss, after-photos to submit, a deadline within
the extension limit, the right to act) is the service's, and its
:class:`~chuangcheng.exceptions.ApplicationError` is put back on the field it names with
:meth:`ServiceErrorsMixin.add_service_error`.

Each workflow action's form asks for exactly what :data:`inspections.workflow.TRANSITIONS`
says the action requires (plus the unit-or-deadline pair of 改派 and the kind of a photo).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuangcheng.campaigns.models import Campaign, CampaignStatus
from chuangcheng.humantime import when
from chuangcheng.org.models import Region, RegionLevel, Unit

from .imports import CAMPAIGN_MAJOR
from .models import (
    InspectionKind,
    IssueAction,
    IssueCategory,
    PhotoKind,
    ReassignmentReason,
    Severity,
    categories_for,
)
from .workflow import TRANSITIONS

PHOTO_ACCEPT = "image/*"

# An action's name is also what its history entry says (不予立案 reads "Dismissed" there); where
# that is not a verb, the button that starts the action has its own words.
DISMISS = pgettext_lazy("action button", "不予立案")
ACTION_LABELS = {**dict(IssueAction.choices), "dismiss": DISMISS, "add_photo": _("上传照片")}

# The submit button of each action's form, and its colour.
BUTTONS = {
    "accept": (_("立案交办"), "btn-primary"),
    "merge": (_("合并"), "btn-outline-primary"),
    "dismiss": (DISMISS, "btn-outline-danger"),
    "assign": (_("改派"), "btn-primary"),
    "sign": (_("签收"), "btn-primary"),
    "request_reassignment": (_("提交退回申请"), "btn-outline-danger"),
    "reassign": (_("同意退回并改派"), "btn-primary"),
    "insist": (_("驳回退回申请"), "btn-outline-danger"),
    "request_extension": (_("提交延期申请"), "btn-outline-primary"),
    "approve_extension": (_("同意延期"), "btn-primary"),
    "refuse_extension": (_("不同意延期"), "btn-outline-danger"),
    "submit": (_("提交核查"), "btn-primary"),
    "verify": (_("核查通过，销号"), "btn-success"),
    "reject": (_("核查退回（返工）"), "btn-danger"),
    "move_long_term": (_("转长期整改"), "btn-outline-primary"),
    "long_term_progress": (_("报送进展"), "btn-primary"),
    "reopen": (_("反弹重办"), "btn-danger"),
    "add_photo": (_("上传"), "btn-outline-primary"),
}

# Actions that undo or refuse: on the issue page their form opens only when chosen, even as the
# only action, and their button never leads the page in its own colour (反弹重办 on a closed
# issue is a decision to take, not the next step the page leads to).
UNDO_OR_REFUSE = frozenset({"reopen", "dismiss", "reject", "insist", "refuse_extension", "request_reassignment"})

# What each action's free-text reason is called on its form.
REASON_LABELS = {
    "dismiss": _("不予立案理由"),
    "assign": _("改派原因"),
    "insist": _("驳回理由"),
    "request_extension": _("延期理由"),
    "refuse_extension": _("不同意的理由"),
    "reject": _("退回原因（哪里没有整改到位）"),
    "reopen": _("反弹情况"),
}
DEADLINE_LABELS = {
    "request_extension": _("申请延期至"),
    "approve_extension": _("延期至"),
    "assign": _("新的整改时限（可不填）"),
    "reject": _("返工期限（可不填）"),
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Any number of photos, passed on as they are: the service checks type, size and pixels.
    On a phone the picker opens the rear camera."""

    def __init__(self, **kwargs):
        attrs = {"accept": PHOTO_ACCEPT, "capture": "environment", "multiple": True, "class": "form-control"}
        kwargs.setdefault("required", False)
        super().__init__(widget=MultipleFileInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        return [f for f in (value or []) if f]


def _textarea(rows=3, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


def _date(**attrs):
    return forms.DateInput(attrs={"type": "date", "class": "form-control", **attrs}, format="%Y-%m-%d")


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select", **attrs})


def category_group(kinds, kind, major):
    """The <optgroup> a category is offered under: its kind and major class (部件 · 公用设施).
    创建专项's classes have their kind for a major class: named once, not "创建专项 · 创建专项"."""
    return str(kinds.get(kind, kind)) if major == CAMPAIGN_MAJOR else f"{kinds.get(kind, kind)} · {major}"


def visible_units(user, exclude=None):
    units = Unit.objects.visible_to(user).filter(is_active=True).order_by("level", "name")
    return units.exclude(pk=exclude) if exclude else units


class ServiceErrorsMixin:
    """Put a service's refusal next to the field it names (else above the form)."""

    FIELD_ALIASES = {"latitude": "address", "longitude": "address", "files": "photos"}

    def add_service_error(self, error):
        field = self.FIELD_ALIASES.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class IssueActionForm(ServiceErrorsMixin, forms.Form):
    """One workflow action's form, built from the action's ``requires`` in the workflow table."""

    def __init__(self, data=None, files=None, *, action, issue, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(data, files, **kwargs)
        self.action, self.issue, self.user = action, issue, user
        names = list(TRANSITIONS[action].requires)
        if action == "assign":  # 改派: a new unit, a new deadline, or both — and why
            names = ["responsible_unit", "deadline", *names]
        if action == "add_photo":
            names = ["kind", *names]
        if action == "reject":  # 返工: the verifier may give the rework a new deadline
            names = [*names, "deadline"]
        # The services word what is missing ("请填写整改措施。"), so the form requires nothing
        # itself; ``required_names`` still marks the labels of what the table requires.
        self.required_names = set()
        for name in names:
            field = getattr(self, f"_field_{name}")()
            if field.required:
                self.required_names.add(name)
                field.required = False
            self.fields[name] = field

    @property
    def label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def button(self):
        return BUTTONS.get(self.action, (self.label, "btn-primary"))[0]

    @property
    def button_class(self):
        return BUTTONS.get(self.action, ("", "btn-primary"))[1]

    @property
    def undoes_or_refuses(self):
        return self.action in UNDO_OR_REFUSE

    @property
    def url_name(self):
        return f"inspections:issue_{self.action}"

    @property
    def has_files(self):
        return "photos" in self.fields

    # --- one builder per input the workflow table names ---------------------------------------

    def _field_responsible_unit(self):
        issue, action = self.issue, self.action
        exclude = issue.responsible_unit_id if action in ("reassign", "assign") else None
        field = forms.ModelChoiceField(
            label=_("新的责任单位（可不改）") if action == "assign" else _("责任单位"),
            queryset=visible_units(self.user, exclude=exclude),
            required=action != "assign",
            widget=_select(),
        )
        if action == "accept":
            from .selectors import suggest_responsible_unit

            suggested = suggest_responsible_unit(issue.region, issue.category, site=issue.site)
            field.initial = suggested.pk if suggested else None
            field.help_text = _("已按类别和区域推荐；没有合适的职能部门时交属地（属地兜底）。")
        return field

    def _field_target(self):
        return forms.IntegerField(
            label=_("合并到问题（编号）"),
            min_value=1,
            widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric", "placeholder": "#"}),
        )

    def _field_reason(self):
        if self.action == "request_reassignment":
            return forms.ChoiceField(label=_("退回理由"), choices=ReassignmentReason.choices, widget=forms.RadioSelect)
        return forms.CharField(label=REASON_LABELS.get(self.action, _("理由")), widget=_textarea(rows=2))

    def _field_comment(self):
        return forms.CharField(
            label=_("具体说明"), widget=_textarea(rows=2, placeholder=_("为什么不归本单位，应由哪个单位负责"))
        )

    def _field_deadline(self):
        field = forms.DateField(
            label=DEADLINE_LABELS.get(self.action, _("整改时限")),
            required=self.action not in ("assign", "reject"),
            widget=_date(min=f"{timezone.localdate():%Y-%m-%d}"),
            help_text=_("到当天下班时间为止。"),
        )
        now = timezone.now()
        current = self.issue.rectification_deadline
        if self.action == "reject" and current is not None:
            words = {"d": when(current)}
            field.help_text = (
                _("不填则沿用原整改时限 %(d)s：它已过，退回后即为超期。") % words
                if current <= now
                else _("不填则沿用原整改时限 %(d)s。") % words
            )
        # The date the unit asked for, while it is still ahead (a request decided after it
        # passed would offer a date the service must refuse).
        requested = self.issue.requested_deadline
        if self.action == "approve_extension" and requested and requested > now:
            field.initial = timezone.localtime(requested).date()
        return field

    def _field_measures(self):
        widget = _textarea(placeholder=_("做了什么、现在什么样"))
        # Said on the phone before sending, with the after-photo's (static/inspections/offline.js).
        widget.attrs["data-required-message"] = forms.CharField.default_error_messages["required"]
        return forms.CharField(label=_("整改措施"), widget=widget)

    def _field_photos(self):
        label = _("整改后照片") if self.action == "submit" else _("照片")
        # Submitting needs an after-photo (the service refuses without one): marked required.
        return PhotosField(label=label, required=self.action == "submit")

    def _field_plan(self):
        return forms.CharField(
            label=_("长期整改方案"), widget=_textarea(placeholder=_("为什么不能立即整改，分几步、何时完成"))
        )

    def _field_target_date(self):
        return forms.DateField(label=_("目标日期"), widget=_date(min=f"{timezone.localdate():%Y-%m-%d}"))

    def _field_note(self):
        return forms.CharField(label=_("整改进展"), widget=_textarea())

    def _field_kind(self):
        from .permissions import can_add_photo

        choices = [(k, label) for k, label in PhotoKind.choices if can_add_photo(self.user, self.issue, k)]
        return forms.ChoiceField(label=_("照片类型"), choices=choices, widget=_select())


# --- inspection capture ---------------------------------------------------------------------------


def campaign_choices(user):
    return Campaign.objects.visible_to(user).exclude(status=CampaignStatus.CLOSED).order_by("-start_date")


def _indent(region):
    return "\u3000" * max(region.depth - 1, 0) + region.name


class InspectionStartForm(ServiceErrorsMixin, forms.Form):
    """Start an inspection: campaign, kind, date, area."""

    campaign = forms.ModelChoiceField(label=_("创建活动"), queryset=Campaign.objects.none(), widget=_select())
    kind = forms.ChoiceField(
        label=_("检查类型"),
        choices=[c for c in InspectionKind.choices if c[0] != InspectionKind.CITIZEN_BATCH],
        initial=InspectionKind.SUPERVISION,
        widget=_select(),
    )
    date = forms.DateField(label=_("检查日期"), widget=_date())
    region = forms.ModelChoiceField(label=_("检查区域"), queryset=Region.objects.none(), widget=_select())
    summary = forms.CharField(label=_("说明（可不填）"), required=False, widget=_textarea(rows=2))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = campaign_choices(user)
        self.fields["campaign"].queryset = campaigns
        active = [c.pk for c in campaigns if c.status == CampaignStatus.ACTIVE]
        if len(active) == 1:
            self.fields["campaign"].initial = active[0]
        self.fields["date"].initial = timezone.localdate()
        regions = Region.objects.visible_to(user).filter(
            level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN]
        )
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["region"].label_from_instance = _indent
        scope = user.scope
        if len(scope.region_paths) == 1:  # a supervisor of one area starts there
            self.fields["region"].initial = int(scope.region_paths[0].strip("/").split("/")[-1])


class IssueCaptureForm(ServiceErrorsMixin, forms.Form):
    """One issue found on this inspection: photo, category, severity, description, where, and
    whether to send it to the (suggested) unit at once."""

    photos = PhotosField(label=_("现场照片"))
    category = forms.ModelChoiceField(
        label=_("问题类别"), queryset=IssueCategory.objects.filter(is_active=True), required=False, widget=_select()
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=Severity.choices, initial=Severity.GENERAL, widget=_select()
    )
    description = forms.CharField(
        label=_("问题描述"), required=False, widget=_textarea(rows=2, placeholder=_("看到了什么"))
    )
    region = forms.ModelChoiceField(
        label=_("所在区域"), queryset=Region.objects.none(), required=False, widget=_select()
    )
    address = forms.CharField(
        label=_("地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("路名门牌或参照物")}),
    )
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    assign = forms.BooleanField(label=_("直接交办"), required=False, initial=True)
    responsible_unit = forms.ModelChoiceField(
        label=_("责任单位"), queryset=Unit.objects.none(), required=False, widget=_select()
    )
    # Made by the page's script per record; a resend of the same record makes no second issue.
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, user, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        regions = Region.objects.subtree(inspection.region).filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.CITY]
        )
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["region"].label_from_instance = _indent
        self.fields["region"].initial = inspection.region_id
        self.fields["responsible_unit"].queryset = visible_units(user)
        # The campaign's 在用问题类别 (all when it has none).
        self.fields["category"].queryset = categories_for(inspection.campaign)

    def clean(self):
        """What the person left out, all at once (the service would name only the first): the
        same words as :func:`inspections.services.issue_create`, which still checks everything."""
        data = super().clean()
        if "category" in data and data["category"] is None:
            self.add_error("category", _("请选择问题类别。"))
        if "description" in data and not data["description"].strip():
            self.add_error("description", _("请填写问题描述。"))
        return data

    def grouped_categories(self):
        """[(group label, [(pk, name)])]: the categories by 部件/事件/创建专项 and major class,
        for an <optgroup> select (300+ classes)."""
        kinds = dict(IssueCategory._meta.get_field("kind").choices)
        groups = {}
        for pk, kind, major, name in (
            categories_for(self.inspection.campaign)
            .order_by("kind", "major", "code")
            .values_list("pk", "kind", "major", "name")
        ):
            groups.setdefault(category_group(kinds, kind, major), []).append((pk, name))
        return list(groups.items())
