"""Formula injection (issue 16 item 1, for the workbooks this branch writes): text starting with
= + - @, a tab or a carriage return is written as text — never a formula cell — by the one
writer helper, and every export built on it is checked by reading the sheets' XML."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from chuangcheng.org.models import SiteType
from chuangcheng.xlsx import SheetWriter, streaming_workbook, workbook_bytes, write_row
from inspections.models import Inspection
from tests.factories import SiteFactory, TaskFactory, UnitFactory
from tests.inspections.conftest import categories, make_issue  # noqa: F401  (fixtures)

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def formulas(data):
    """The formula cells of every sheet of an .xlsx, read from its XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return [f for n in sheets for f in re.findall(r"<f>.*?</f>", archive.read(n).decode())]


def test_the_helper_keeps_formula_text_as_text_in_both_kinds_of_sheet():
    workbook = streaming_workbook()
    writer = SheetWriter(workbook, "流", [("a", 10)])
    for payload in PAYLOADS:
        writer.append([payload])
    streamed = workbook_bytes(workbook)
    plain = Workbook()
    for row, payload in enumerate(PAYLOADS, start=1):
        write_row(plain.active, row, [payload, 42, "普通文字"])
    written = workbook_bytes(plain)
    for data in (streamed, written):
        assert formulas(data) == []
        values = [c.value for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows() for c in row]
        for payload in PAYLOADS:
            assert payload in values  # kept verbatim, for the reader to see
    assert load_workbook(io.BytesIO(written)).active["B1"].value == 42  # numbers stay numbers


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_export_of_this_branch_writes_no_formula(payload, client, people, campaign, units, city):
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, title=payload, number=payload)
    unit = UnitFactory(name=payload, short_name=payload, region=city.a1)
    SiteFactory(name=payload, address=payload, region=city.a1, responsible_unit=unit, site_type=SiteType.MARKET)
    inspection = Inspection.objects.create(
        campaign=campaign, kind="higher_feedback", date=campaign.start_date, region=city.a, summary=payload
    )
    inspection.inspectors.set([people.supervisor])
    client.force_login(people.admin)
    urls = [
        reverse("tasks:export"),
        reverse("inspections:inspection_export"),
        reverse("units_export"),
        reverse("sites_export"),
        reverse("inspections:inspection_report_xlsx", args=[inspection.pk]),
        reverse("tasks:import_template"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert formulas(response.content) == [], url
    ledger = load_workbook(io.BytesIO(client.get(reverse("tasks:export")).content)).worksheets[0]
    assert ledger["B2"].value == payload  # the title, verbatim


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_issue_dashboard_briefing_and_dossier_exports_write_no_formula(
    payload, client, people, campaign, units, city, settings, tmp_path, request
):
    """The exports a 随手拍 address reaches (issue list, the dashboard's 负面清单, a briefing's
    lists) and the dossier index (a unit's material title), each fed the payload."""
    from chuangcheng.reports.briefings import briefing_build
    from chuangcheng.reports.periods import last_finished_period
    from dossiers import services as dossier_services
    from tests.dossiers.conftest import pdf
    from tests.factories import IndicatorFactory, StandardFactory

    settings.MEDIA_ROOT = tmp_path
    issue = request.getfixturevalue("make_issue")(
        "rectifying", address=payload, description=payload, severity="negative_list"
    )
    client.force_login(people.admin)
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=last_finished_period("weekly")[0])
    standard = StandardFactory(name="标准")
    campaign.standards.set([standard])
    indicator = IndicatorFactory(standard=standard, code="1.1", name=payload, method="document")
    requirement = dossier_services.requirement_create(
        actor=people.supervisor, campaign=campaign, indicator=indicator, name=payload, units=[units.street_a1]
    )
    version = dossier_services.material_upload(
        actor=people.staff, requirement_id=requirement.pk, file=pdf(), title=payload, document_number=payload
    )
    dossier_services.material_approve(actor=people.supervisor, material_id=version.material_id)

    for url in (
        reverse("inspections:issue_export"),
        reverse("dashboard:xlsx"),
        reverse("reports:download", args=[briefing.pk, "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert formulas(data) == [], url
    issues = load_workbook(io.BytesIO(client.get(reverse("inspections:issue_export")).content)).worksheets[0]
    assert issue.address.strip() in [c.value for row in issues.iter_rows() for c in row]  # verbatim, as stored

    response = client.get(reverse("dossiers:export") + f"?campaign={campaign.pk}")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    index = next(n for n in archive.namelist() if n.endswith(".xlsx"))
    assert formulas(archive.read(index)) == []
