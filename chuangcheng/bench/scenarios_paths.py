"""Scenarios for the paths users take beyond the well-indexed first page (issue 18): pages deep
in a list, every ordering, the issue-list page at city and district scope, and the dashboard with
an empty cache at every level. Registered into :data:`.scenarios.SCENARIOS`."""

from django.core.cache import cache

from .runner import Scenario


def _city_supervisor():
    from .scenarios import city_supervisor

    return city_supervisor()


def _get(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return response


# --- deep pages ---------------------------------------------------------------------------------


def prepare_last_numbered_page():
    return {"user": _city_supervisor(), "note": "page 200 of 50: the last page numbers reach (rows 9,951–10,000)"}


def prepare_cursor_page():
    """The cursor of a page about two thirds of the way through every issue (keyset: costs what
    page 1 costs)."""
    from chuangcheng.pagination import StandardPagination
    from inspections.models import Issue

    n = Issue.objects.count()
    row = Issue.objects.order_by("-created_at", "-id")[n * 2 // 3]
    paginator = StandardPagination()
    paginator.keys = paginator._keys(Issue.objects.order_by("-created_at", "-id"))
    return {"user": _city_supervisor(), "cursor": paginator._encode(row), "note": f"after row {n * 2 // 3:,}"}


SCENARIOS = {
    "issues_page_200": Scenario(
        "issues_page_200",
        "GET /api/v1/issues/?page=200 (the deepest numbered page, city-wide) as a city supervisor",
        prepare_last_numbered_page,
        lambda client, state: _get(client, "/api/v1/issues/", {"page": 200}),
    ),
    "issues_cursor_deep": Scenario(
        "issues_cursor_deep",
        "GET /api/v1/issues/?cursor=… two thirds through every issue (keyset), city-wide",
        prepare_cursor_page,
        lambda client, state: _get(client, "/api/v1/issues/", {"cursor": state["cursor"]}),
    ),
}


# --- every ordering -----------------------------------------------------------------------------

for _ordering in ("rectification_deadline", "-severity", "-sign_deadline", "state", "created_at"):
    _name = "issues_order_" + _ordering.lstrip("-").replace("rectification_", "")
    SCENARIOS[_name] = Scenario(
        _name,
        f"GET /api/v1/issues/?ordering={_ordering} (50, city-wide) as a city supervisor",
        lambda: {"user": _city_supervisor()},
        lambda client, state, o=_ordering: _get(client, "/api/v1/issues/", {"ordering": o}),
    )


# --- the issue-list page ------------------------------------------------------------------------


def _district_supervisor():
    from chuangcheng.org.models import User

    from .scenarios import _busiest_district

    district, n = _busiest_district()
    user = (
        User.objects.filter(memberships__role="supervisor", memberships__unit__region=district).order_by("id").first()
    )
    return user, district, n


def prepare_list_page_district():
    user, district, n = _district_supervisor()
    if user is None:
        from chuangcheng.org.models import Membership, Unit, User

        user, _ = User.objects.get_or_create(username="bench-district", defaults={"display_name": "区督查"})
        unit = Unit.objects.filter(region=district).order_by("id").first()
        Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": "supervisor"})
    return {"user": user, "note": f"{district.name}: {n:,} issues in scope"}


SCENARIOS["issue_list_page_city"] = Scenario(
    "issue_list_page_city",
    "GET /inspections/issues/ (chips, 50 rows, pager) as a city supervisor",
    lambda: {"user": _city_supervisor(), "note": "every issue in scope"},
    lambda client, state: _get(client, "/inspections/issues/"),
)
SCENARIOS["issue_list_page_district"] = Scenario(
    "issue_list_page_district",
    "GET /inspections/issues/ as a supervisor of the busiest district",
    prepare_list_page_district,
    lambda client, state: _get(client, "/inspections/issues/"),
)


# --- a common phrase, searched from the list page and by a district ----------------------------


def _matching(words):
    from inspections.models import Issue
    from inspections.search import text_q

    return Issue.objects.filter(text_q(words)).count()


SCENARIOS["issue_list_page_search"] = Scenario(
    "issue_list_page_search",
    "GET /inspections/issues/?q=井盖 (chips, 50 rows, pager) as a city supervisor",
    lambda: {"user": _city_supervisor(), "note": f"{_matching('井盖'):,} issues match 井盖"},
    lambda client, state: _get(client, "/inspections/issues/", {"q": "井盖"}),
)


def prepare_search_district():
    state = prepare_list_page_district()
    state["note"] += f"; {_matching('占道经营'):,} city-wide match 占道经营"
    return state


SCENARIOS["issues_search_district"] = Scenario(
    "issues_search_district",
    "GET /api/v1/issues/?q=占道经营 (50) as a supervisor of the busiest district",
    prepare_search_district,
    lambda client, state: _get(client, "/api/v1/issues/", {"q": "占道经营", "page_size": 50}),
)

# --- the dashboard with nothing cached, at each level ---------------------------------------------


def _cold_dashboard(level):
    def prepare():
        from chuangcheng.campaigns.models import Campaign
        from chuangcheng.org.models import Region
        from inspections.models import Issue

        campaign = Campaign.objects.active().select_related("region").order_by("pk").first()
        if level == "city":
            region = campaign.region
        else:  # the region of this level with the most issues among the first 20,000
            counts = {}
            for path in Issue.objects.filter(id__lte=20_000).values_list("region__path", flat=True):
                for part in path.strip("/").split("/"):
                    counts[int(part)] = counts.get(int(part), 0) + 1
            ids = Region.objects.filter(pk__in=counts, level=level).values_list("pk", flat=True)
            region = Region.objects.get(pk=max(ids, key=lambda k: (counts[k], -k)))
        return {"user": _city_supervisor(), "region": region, "note": region.name}

    def run(client, state):
        cache.clear()
        return _get(client, "/api/v1/dashboard/", {"region": state["region"].pk})

    return prepare, run


for _level, _label in (("city", "city"), ("county", "district"), ("town", "street"), ("village", "community")):
    SCENARIOS[f"dashboard_cold_{_label}"] = Scenario(
        f"dashboard_cold_{_label}",
        f"GET /api/v1/dashboard/?region=<{_label}> after cache.clear() as a city supervisor",
        *_cold_dashboard(_level),
    )


def prepare_unit_view():
    from .scenarios import _busiest_street_unit

    unit_id, n = _busiest_street_unit()
    return {"user": _city_supervisor(), "unit_id": unit_id, "note": f"unit with {n} tasks"}


def run_unit_view(client, state):
    cache.clear()
    return _get(client, f"/api/v1/dashboard/units/{state['unit_id']}/")


SCENARIOS["dashboard_cold_unit"] = Scenario(
    "dashboard_cold_unit",
    "GET /api/v1/dashboard/units/<busiest street unit>/ after cache.clear() as a city supervisor",
    prepare_unit_view,
    run_unit_view,
)


# --- what waits for a person --------------------------------------------------------------------


def _attention(client, state):
    cache.clear()  # kept a minute per person: the first look after that minute
    return _get(client, "/me/attention/")


SCENARIOS["attention_cold"] = Scenario(
    "attention_cold",
    "GET /me/attention/ (需要我处理, the 我的待办 badge's lines) as a city supervisor, cache cleared",
    lambda: {"user": _city_supervisor(), "note": "every issue and task in scope"},
    _attention,
)
