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
