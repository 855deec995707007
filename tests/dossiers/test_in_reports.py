"""材料完成率 where the office reads figures: among the dashboard's headline figures (with its
definition, as of now) for the city and for a district, and as the 档案资料 section of the weekly
briefing — the same computation as the completeness page, so the three agree."""

import pytest
from django.utils import translation

from chuangcheng.reports import outputs, periods
from chuangcheng.reports.briefings import briefing_build
from dossiers import selectors, services
from tests.dossiers.conftest import pdf

pytestmark = pytest.mark.django_db


def _headline(client, region=None):
    url = "/api/v1/dashboard/?sections=headline" + (f"&region={region.pk}" if region else "")
    data = client.get(url).json()["headline"]
    return next(i for i in data["items"] if i["key"] == "dossier_completion_rate"), data["definitions"]


def _approve(people, requirement):
    version = services.material_upload(actor=people.staff, requirement_id=requirement.pk, file=pdf(), title="纪要")
    services.material_approve(actor=people.supervisor, material_id=version.material_id)


def test_dashboard_headline_moves_with_the_review(people, dossier, campaign, city, client):
    client.force_login(people.supervisor)
    item, definitions = _headline(client)
    assert (item["value"], item["unit"], item["change"]) == (0.0, "%", None)
    assert definitions["dossier_completion_rate"]["formula"] == "审核通过的材料要求数 ÷ 材料要求总数 × 100%"

    _approve(people, dossier.jia)
    assert _headline(client)[0]["value"] == 50.0 == selectors.completeness(campaign).totals.rate
    assert _headline(client, city.a)[0]["value"] == 100.0  # 甲区: only 甲一街道's requirement
    assert _headline(client, city.b)[0]["value"] == 0.0
    for scope in (None, city.a, city.b):  # the headline's one query: the page's totals
        assert selectors.completeness_totals(campaign, scope) == selectors.completeness(campaign, scope).totals

    page = client.get("/dashboard/").content.decode()
    assert "材料完成率" in page and "截至当前" in page


def test_weekly_briefing_has_the_dossier_section(people, dossier, campaign):
    _approve(people, dossier.jia)
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=periods.last_finished_period("weekly")[0])
    section = next(s for s in briefing.content["contributed"] if s["key"] == "dossiers")
    assert "材料完成率 50.0%" in section["note"]
    assert [row[0] for row in section["tables"][0]["rows"]] == ["乙一街道办事处"]  # only the units still short
    assert outputs.briefing_context(briefing)["sections"]["contributed:dossiers"] == "七、档案资料"
    assert briefing.status != "empty"  # a dossier to report is something to report
    with translation.override("en"):  # QA: read in English, the section is worded in English
        ctx = outputs.briefing_context(briefing)
        (shown,) = [c for c in ctx["contributed"] if c["key"] == "dossiers"]
        assert ctx["sections"]["contributed:dossiers"] == "7. Dossiers"
        assert "50.0%" in shown["note"] and "材料" not in shown["note"], shown["note"]
        assert shown["tables"][0]["caption"] == "Units with incomplete materials"
