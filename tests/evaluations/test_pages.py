"""模拟测评 pages as their users meet them: the office's round list and score, the inspector's
checklist (the page's fetch gets JSON; without script the form posts and redirects), 生成问题,
the report as PDF and Word, 举一反三 from a failed item, the unit answering its sweep sites,
短板's measured column on the dashboard and the section in the weekly briefing."""

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from docx import Document

from chuangcheng.reports.briefings.services import briefing_build
from evaluations import services
from evaluations.models import Answer, Round, RoundSite, Sweep
from tests.evaluations.conftest import jpeg


@pytest.fixture
def world(people, campaign, city, checklist, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    round_ = services.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name="第1轮",
        region=city.city,
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
        quotas={"market": 1},
        seed=3,
        inspectors=[people.district_supervisor, people.supervisor],
    )
    jia = RoundSite.objects.select_related("site", "round").get(round=round_, district=city.a)
    return round_, jia, services.checklist(jia)


def test_the_inspector_answers_on_the_page_and_generates_issues(client, people, world):
    round_, jia, items = world
    client.force_login(people.district_supervisor)
    page = client.get(reverse("evaluations:rounds"))
    assert page.status_code == 200 and jia.site.name in page.content.decode()
    url = reverse("evaluations:site", args=[jia.pk])
    assert client.get(url).status_code == 200
    form = {f"item_{items[0].pk}": "fail", f"note_{items[0].pk}": "垃圾", f"item_{items[1].pk}": "pass"}
    refused = client.post(url, form, HTTP_X_REQUESTED_WITH="fetch")
    assert refused.status_code == 400 and "须拍照" in refused.json()["message"]
    ok = client.post(url, {**form, f"photo_{items[0].pk}": jpeg(1)}, HTTP_X_REQUESTED_WITH="fetch")
    assert ok.status_code == 200 and ok.json()["ok"]
    again = client.post(url, form)  # no script: a plain post, then the page again
    assert again.status_code == 302 and Answer.objects.filter(round_site=jia).count() == 2
    done = client.post(reverse("evaluations:site_generate", args=[jia.pk]), follow=True)
    assert "已生成 1 个问题" in done.content.decode()
    detail = client.get(reverse("evaluations:round", args=[round_.pk])).content.decode()
    assert "扣 0.50 分" in detail and "点位扣分" in detail


def test_report_pdf_and_word(client, people, world):
    round_, jia, items = world
    services.site_answer(
        actor=people.supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[0].pk, "result": "fail", "photo": jpeg(2)}],
    )
    client.force_login(people.supervisor)
    docx = client.get(reverse("evaluations:report_docx", args=[round_.pk]))
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "各区得分" in text and "计分口径" in text and items[0].text in text
    section = Document(io.BytesIO(docx.content)).sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    pdf = client.get(reverse("evaluations:report_pdf", args=[round_.pk]))
    assert pdf.status_code in (200, 302)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")


def test_a_sweep_from_a_failed_item_reaches_the_units(client, people, world, city, units):
    round_, jia, items = world
    services.site_answer(
        actor=people.supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[0].pk, "result": "fail", "photo": jpeg(3)}],
    )
    answer = Answer.objects.get(round_site=jia)
    client.force_login(people.supervisor)
    form = client.get(reverse("evaluations:sweep_new") + f"?answer={answer.pk}")
    assert form.status_code == 200 and items[0].text in form.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    made = client.post(
        reverse("evaluations:sweep_new"),
        {"answer": answer.pk, "title": items[0].text, "site_type": "market", "region": city.city.pk, "due_on": due},
    )
    sweep = Sweep.objects.get()
    assert made.status_code == 302 and sweep.sites.count() == 3
    client.force_login(people.staff)  # 甲一街道办: answers its own market
    page = client.get(reverse("evaluations:sweep", args=[sweep.pk]))
    assert page.status_code == 200
    mine = sweep.sites.get(unit=units.street_a1)
    posted = client.post(
        reverse("evaluations:sweep", args=[sweep.pk]), {"sweep_site": mine.pk, "result": "pass", "photo": jpeg(4)}
    )
    assert posted.status_code == 302
    mine.refresh_from_db()
    assert mine.result == "pass" and mine.photo
    other = sweep.sites.exclude(unit=units.street_a1).first()
    refused = client.post(
        reverse("evaluations:sweep", args=[sweep.pk]), {"sweep_site": other.pk, "result": "pass", "photo": jpeg(5)}
    )
    assert refused.status_code == 400 and "不由您的单位负责" in refused.content.decode()


def test_weak_spots_and_the_weekly_briefing_carry_the_measured_score(client, people, world, campaign):
    round_, jia, items = world
    services.site_answer(
        actor=people.supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[1].pk, "result": "fail", "photo": jpeg(6)}],
    )
    client.force_login(people.supervisor)
    page = client.get(reverse("dashboard:overview")).content.decode()
    assert "实测失分" not in page  # a round still being answered is not measured yet
    services.round_transition(actor=people.supervisor, round_id=round_.pk, action="close")
    last_week = timezone.now() - dt.timedelta(days=8)
    Round.objects.filter(pk=round_.pk).update(closed_at=last_week)  # closed before last week's end
    cache.clear()
    page = client.get(reverse("dashboard:overview")).content.decode()
    assert "实测失分（第1轮）" in page and 'data-testid="measured-loss"' in page
    today = timezone.localdate()
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=today - dt.timedelta(days=7))
    section = next(s for s in briefing.content["contributed"] if s["key"] == "evaluation")
    assert section["title"] == "模拟测评与举一反三"
    assert section["tables"][0]["rows"][0][0] in ("甲区", "乙区")
    # QA: read in English, the section's heading, note and caption are worded in English (the
    # stored text, written in Chinese, stays for the files and the Chinese page).
    client.cookies["django_language"] = "en"
    page = client.get(reverse("reports:detail", args=[briefing.pk])).content.decode()
    body = page.split('data-testid="contributed-evaluation"', 1)[1].split('data-testid="requirements"', 1)[0]
    assert "Mock evaluation and follow-up sweeps" in body and "模拟测评与举一反三" not in body
    assert "sites drawn" in body and "Simulated score by district (第1轮)" in body
    assert "抽取点位" not in body and "点位扣分＝" not in body and "各区模拟得分" not in body
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("reports:detail", args=[briefing.pk])).content.decode()
    assert section["note"] in page and "各区模拟得分（第1轮）" in page


def test_an_issue_at_a_site_offers_a_sweep_to_supervisors_only(client, people, world):
    round_, jia, items = world
    services.site_answer(
        actor=people.supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[0].pk, "result": "fail", "photo": jpeg(7)}],
    )
    (issue,) = services.site_generate_issues(actor=people.supervisor, round_site_id=jia.pk)
    url = reverse("inspections:issue_detail", args=[issue.pk])
    client.force_login(people.supervisor)
    page = client.get(url).content.decode()
    assert 'data-testid="sweep-from-issue"' in page
    form = client.get(reverse("evaluations:sweep_new") + f"?issue={issue.pk}")
    assert form.status_code == 200 and 'value="market" selected' in form.content.decode()
    client.force_login(people.staff)  # the unit fixing it does not start sweeps
    assert 'data-testid="sweep-from-issue"' not in client.get(url).content.decode()


def test_the_office_draws_a_round_on_the_page(client, people, campaign, city, checklist):
    from evaluations.models import Round

    client.force_login(people.supervisor)
    page = client.get(reverse("evaluations:rounds")).content.decode()
    assert 'name="inspectors"' in page and "dsupervisor" in page
    today = timezone.localdate().isoformat()
    form = {"name": "12月第二轮", "starts_on": today, "ends_on": today, "seed": "11", "quota_market": "1"}
    bad = client.post(reverse("evaluations:round_new"), {**form, "quota_market": "99"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "抽样数量应为 0～50 的整数" in html and not Round.objects.exists()
    assert 'value="12月第二轮"' in html and 'value="99"' in html  # what was filled in comes back
    made = client.post(
        reverse("evaluations:round_new"),
        {**form, "inspectors": [people.district_supervisor.pk, people.supervisor.pk]},
        follow=True,
    )
    assert "已抽取 2 个点位（随机种子 11）" in made.content.decode()
    r = Round.objects.get()
    assert dict(r.sites.values_list("district__name", "inspector__username")) == {
        "甲区": "dsupervisor",
        "乙区": "supervisor",
    }
    client.force_login(people.district_supervisor)  # 甲区's supervisor: no 新建 form
    assert 'data-testid="round-new"' not in client.get(reverse("evaluations:rounds")).content.decode()


def test_pass_rates_read_with_one_decimal(client, people, world):
    round_, jia, items = world
    answers = [{"item": items[1].pk, "result": "fail", "photo": jpeg(7)}]
    answers += [{"item": i.pk, "result": "pass"} for i in [items[0], *items[2:3]]]
    services.site_answer(actor=people.supervisor, round_site_id=jia.pk, answers=answers)
    passed = len(answers) - 1
    expected = f"{Decimal(100 * passed / len(answers)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"  # 66.7% / 50.0%
    client.force_login(people.supervisor)
    for url in (reverse("evaluations:round", args=[round_.pk]), reverse("evaluations:rounds")):
        page = client.get(url).content.decode()
        assert expected in page and not re.search(r"\d\.\d\d%", page), url


def test_a_round_not_yet_measured_shows_no_loss(client, people, world, city):
    """QA: a round with no answers showed 失分 0.00, which reads as a perfect score (and the PDF
    and the briefing 合格率 —%)."""
    from evaluations.contributions import briefing_section
    from evaluations.report import report_html

    round_, jia, items = world
    client.force_login(people.supervisor)
    page = client.get(reverse("evaluations:round", args=[round_.pk])).content.decode()
    lost = page.split('data-testid="city-lost">', 1)[1].split("</div>", 1)[0]
    assert lost == "—" and "尚未测评" in page
    districts = page.split('data-testid="districts"', 1)[1].split("</table>", 1)[0]
    assert "0.00" not in districts
    text = "\n".join(
        p.text
        for p in Document(
            io.BytesIO(client.get(reverse("evaluations:report_docx", args=[round_.pk])).content)
        ).paragraphs
    )
    assert "失分 —" in text and "失分 0.00" not in text
    printed = report_html(round_)  # the PDF's page: no "合格率 —%", no "没有不合格项" before any answer
    assert "尚未测评，暂无得分。" in printed and "—%" not in printed and "本轮没有不合格项" not in printed
    services.site_answer(
        actor=people.supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[0].pk, "result": "fail", "photo": jpeg(8)}],
    )
    page = client.get(reverse("evaluations:round", args=[round_.pk])).content.decode()
    lost = page.split('data-testid="city-lost">', 1)[1].split("</div>", 1)[0]
    assert lost != "—" and "尚未测评" not in page
    assert "尚未测评" not in report_html(round_)
    # 乙区's briefing once 甲区 has answered and the round closed: 乙区's part is not scored.
    services.round_transition(actor=people.supervisor, round_id=round_.pk, action="close")
    yi = briefing_section(round_.campaign, city.b, round_.starts_on, round_.ends_on + dt.timedelta(days=3))
    assert "尚未测评" in yi["note"] and "—%" not in yi["note"]
