"""随手拍 pages for the public (/report/): no login, phone first, CSRF kept, no inline script.

- ``/report/``: the form — photo (camera or album), category, description, location (the
  browser's, via ``static/inspections/public.js``) or a typed address and a street, optional
  phone. A report is written by :func:`inspections.services.citizen.citizen_report_create`;
  its refusal is shown next to the field it names (400). Too many reports from one address
  within the throttle window → 429 with a message (the counter is the API's).
- ``/report/done/<code>/``: the tracking code, to note down.
- ``/report/track/?code=…``: the status, as :func:`citizen_report_status` words it.
- ``/report/track/<code>/photos/<id>/``: an after-photo's thumbnail of a closed report.
"""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from chuangcheng.campaigns.models import Campaign
from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import RegionLevel

from .api.public import throttle_check, throttled_message
from .models import Issue, IssueSource
from .photos import jpeg_response
from .services import citizen

PHOTO_ACCEPT = "image/*"


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """The uploads as they came (camera and album inputs share the name); the service checks them."""

    widget = PhotoInput

    def to_python(self, value):
        return [f for f in (value or []) if f]


class CitizenReportForm(forms.Form):
    """Collects what HTML can carry; the service decides. Errors of ``latitude``/``longitude``
    show on the location line."""

    FIELD_ALIASES = {"longitude": "latitude"}

    campaign = forms.ChoiceField(label=gettext_lazy("创建活动"), required=False)
    photos = PhotosField(
        label=gettext_lazy("现场照片"),
        required=False,
        widget=PhotoInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment", "class": "form-control"}),
    )
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), required=False)
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        required=False,
        max_length=citizen.MAX_DESCRIPTION,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control",
                "placeholder": gettext_lazy("如：小区门口垃圾堆了三天没人清运"),
            }
        ),
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "latitude"}))
    longitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "longitude"}))
    address = forms.CharField(
        label=gettext_lazy("地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": gettext_lazy("如：金水路与经三路交叉口东北角")}
        ),
    )
    region = forms.ChoiceField(label=gettext_lazy("所在街道"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("联系电话（选填）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": gettext_lazy("便于工作人员回访，不会公开"),
            }
        ),
    )

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaigns = {str(c.pk): c for c in campaigns}
        field = self.fields["campaign"]
        field.choices = [(str(c.pk), c.name) for c in campaigns]
        field.widget.attrs["class"] = "form-select"
        if len(campaigns) == 1:
            field.widget = forms.HiddenInput()
            field.initial = str(campaigns[0].pk)
        self.categories = {str(c.pk): c for c in citizen.public_categories()}
        self.fields["category"].choices = [("", _("请选择"))] + [(k, c.name) for k, c in self.categories.items()]
        self.fields["category"].widget.attrs["class"] = "form-select"
        self.regions = {}
        groups = []
        for campaign in campaigns:
            for region in citizen.public_regions(campaign):
                if str(region.pk) in self.regions:
                    continue
                self.regions[str(region.pk)] = region
                if region.level == RegionLevel.COUNTY:
                    groups.append((region.name, [(str(region.pk), _("%(d)s（不确定街道）") % {"d": region.name})]))
                elif groups:
                    groups[-1][1].append((str(region.pk), region.name))
        self.fields["region"].choices = [("", _("已定位可不选"))] + groups
        self.fields["region"].widget.attrs["class"] = "form-select"

    def add_service_error(self, error):
        field = self.FIELD_ALIASES.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "campaign": self.campaigns.get(data.get("campaign") or ""),
            "category": self.categories.get(data.get("category") or ""),
            "description": data.get("description", ""),
            "photos": data.get("photos", []),
            "latitude": data.get("latitude") or None,
            "longitude": data.get("longitude") or None,
            "address": data.get("address", ""),
            "phone": data.get("phone", ""),
            "region": self.regions.get(data.get("region") or ""),
        }


def _active_campaigns():
    return list(Campaign.objects.active().select_related("region").order_by("-start_date", "pk"))


@require_http_methods(["GET", "POST"])
def report_new(request):
    campaigns = _active_campaigns()
    if not campaigns:
        return render(request, "inspections/public/closed.html")
    status, throttled = 200, ""
    if request.method == "POST":
        form = CitizenReportForm(request.POST, request.FILES, campaigns=campaigns)
        wait = throttle_check(request, "citizen_report")
        if wait is not None:
            status, throttled = 429, throttled_message("citizen_report", wait)
        elif form.is_valid():
            try:
                issue = citizen.citizen_report_create(**form.service_arguments())
            except ApplicationError as error:
                form.add_service_error(error)
                status = 400
            else:
                return redirect("report:done", code=issue.tracking_code)
        else:
            status = 400
    else:
        form = CitizenReportForm(campaigns=campaigns)
    context = {"form": form, "throttled": throttled, "max_photos": citizen.MAX_PHOTOS}
    return render(request, "inspections/public/report.html", context, status=status)


@require_GET
def report_done(request, code):
    # Throttled like the track page: it, too, tells whether a code exists (no guessing codes).
    wait = throttle_check(request, "citizen_track")
    if wait is not None:
        context = {"code": "", "error": throttled_message("citizen_track", wait)}
        return render(request, "inspections/public/track.html", context, status=429)
    code = citizen.tracking_code_normalize(code)
    if not code or not Issue.objects.filter(tracking_code=code, source=IssueSource.CITIZEN).exists():
        raise Http404
    return render(request, "inspections/public/done.html", {"display_code": citizen.tracking_code_display(code)})


@require_GET
@reads_from_replica
def track(request):
    code = (request.GET.get("code") or "").strip()
    context, status = {"code": code}, 200
    if code:
        wait = throttle_check(request, "citizen_track")
        if wait is not None:
            context["error"], status = throttled_message("citizen_track", wait), 429
        else:
            try:
                context["report"] = citizen.citizen_report_status(code)
            except ApplicationError as error:
                context["error"], status = error.message, error.status_code
    return render(request, "inspections/public/track.html", context, status=status)


@require_GET
@reads_from_replica
def photo(request, code, photo_id):
    try:
        found = citizen.citizen_report_photo(code, photo_id)
    except ApplicationError:
        raise Http404 from None
    return jpeg_response(found.thumbnail, max_age=3600)
