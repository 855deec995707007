"""Readable for everyone: axe-core (vendored from npm in tests/e2e/vendor/axe-core, never
fetched) finds no serious or critical WCAG 2 A/AA violation — colour contrast included — on the
main pages, on a phone and on a desktop."""

from pathlib import Path

import pytest

from chuangcheng.reports.briefings import briefing_build
from chuangcheng.reports.periods import last_finished_period
from tests.e2e.conftest import DESKTOP, PHONE
from tests.reports.conftest import category, make_issue, week, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 160)),
  }));
}"""


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def violations(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE + ";0")  # through the DevTools protocol: the page's CSP stays as it is
    return page.evaluate(RUN)


def test_main_pages_have_no_serious_violations(new_page, world, people, campaign, screenshot):  # noqa: F811
    people.supervisor.set_password(PASSWORD)
    people.supervisor.save()
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=last_finished_period("weekly")[0])
    issue = world.late if hasattr(world, "late") else None
    pages = [
        "/",
        "/tasks/mine/",
        "/inspections/issues/",
        "/inspections/capture/",
        "/dashboard/",
        f"/briefings/{briefing.pk}/",
    ]
    if issue is not None:
        pages.append(f"/inspections/issues/{issue.pk}/")
    found = {}
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport=viewport)
        public = [(path, violations(page, path)) for path in ("/report/",)]
        sign_in(page, "supervisor")
        for path, found_here in public + [(path, violations(page, path)) for path in pages]:
            if found_here:
                found[(viewport["width"], path)] = found_here
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
