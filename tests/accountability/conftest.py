"""Accountability fixtures: issues and briefings written straight to the database with chosen
times (their lifecycles are tested elsewhere; here only the grounds matter)."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.reports.models import Briefing
from inspections import tally
from inspections.models import Issue, IssueState, Severity
from tests.inspections.factories import IssueCategoryFactory

SHANGHAI = timezone.get_default_timezone()


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), SHANGHAI)


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_issue(campaign, db):
    category = IssueCategoryFactory(code="200102", name="暴露垃圾")

    def make(unit, region, *, deadline, state=IssueState.RECTIFYING, **kw):
        issue = Issue.objects.create(
            campaign=kw.pop("campaign", campaign),
            source="patrol",
            category=category,
            description="暴露垃圾未清理",
            address=kw.pop("address", "甲一路1号"),
            region=region,
            responsible_unit=unit,
            state=state,
            severity=Severity.GENERAL,
            assigned_at=deadline - dt.timedelta(days=1),
            rectification_deadline=deadline,
            **kw,
        )
        tally.rebuild()  # written straight to the table: count it in the aggregates the services keep
        return issue

    return make


@pytest.fixture
def make_briefing(campaign):
    numbers = iter(range(1, 1000))

    def make(start, *, black=(), red=(), kind="weekly", region=None):
        rows = [{"key": u.pk, "name": u.name, "flag": "black"} for u in black]
        rows += [{"key": u.pk, "name": u.name, "flag": "red"} for u in red]
        n = next(numbers)
        return Briefing.objects.create(
            campaign=campaign,
            kind=kind,
            region=region or campaign.region,
            period_start=start,
            period_end=start + dt.timedelta(days=6),
            year=start.year,
            number=n,
            document_number=f"创建办〔{start.year}〕{n}号",
            title=f"第{n}期周通报",
            summary="",
            content={"ranking": [{"group": "territorial:street", "label": "街道", "rows": rows}]},
            status="published",
            published_at=timezone.now(),
        )

    return make
