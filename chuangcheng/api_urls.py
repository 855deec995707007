"""/api/v1/: the REST API.

The router lists one viewset per object; each builds on :mod:`chuangcheng.org.api.base` (scoped
queryset, predicate permissions, writes through services). ``schema/`` is the OpenAPI document,
``docs/`` the interactive docs — served from our own static files (drf-spectacular-sidecar),
with the init script as a separate same-origin file, as the Content-Security-Policy requires.
``auth/token/`` trades a username and password for an API token (integrations).
"""

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import BasePermission
from rest_framework.routers import DefaultRouter

from accountability.api.views import CommendationViewSet, DecisionViewSet, InterviewViewSet, SuggestionsView
from chuangcheng.campaigns.api.views import CampaignViewSet, IndicatorViewSet, StandardViewSet
from chuangcheng.org.api.authentication import PasswordCheckedAuthTokenSerializer
from chuangcheng.org.api.views import LeaderAssignmentViewSet, RegionViewSet, SiteViewSet, UnitViewSet
from chuangcheng.reports.api.dashboard import (
    DashboardSectionView,
    DashboardView,
    LeaderDashboardView,
    UnitDashboardView,
)
from chuangcheng.throttling import AnonRateThrottle
from dossiers.api.views import CompletenessView, MaterialViewSet, RequirementViewSet
from evaluations.api.views import RoundSiteViewSet, RoundViewSet
from inspections.api.public import CitizenReportCreateView, CitizenReportStatusView
from inspections.api.views import InspectionViewSet, IssueCategoryViewSet, IssueViewSet
from tasks.api.views import TaskUpdateViewSet, TaskViewSet


# No format-suffix routes (``…/events.json``): the format is the Accept header or ``?format=``.
# The suffix routes reached actions that take no ``format`` argument and answered 500; without
# them such a URL is a 404.
class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("sites", SiteViewSet, basename="site")
router.register("leader-assignments", LeaderAssignmentViewSet, basename="leader-assignment")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("standards", StandardViewSet, basename="standard")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("tasks", TaskViewSet, basename="task")
router.register("task-updates", TaskUpdateViewSet, basename="task-update")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("issues", IssueViewSet, basename="issue")
router.register("issue-categories", IssueCategoryViewSet, basename="issue-category")
router.register("dossier-requirements", RequirementViewSet, basename="dossier-requirement")
router.register("dossier-materials", MaterialViewSet, basename="dossier-material")
router.register("evaluation-rounds", RoundViewSet, basename="evaluation-round")
router.register("evaluation-sites", RoundSiteViewSet, basename="evaluation-site")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("accountability-decisions", DecisionViewSet, basename="accountability-decision")
router.register("commendations", CommendationViewSet, basename="commendation")


@extend_schema_view(post=extend_schema(tags=["auth"], summary="用户名和密码换取 API 令牌"))
class TokenView(ObtainAuthToken):
    """``POST username, password`` → ``{"token": …}``; send it as ``Authorization: Token …``.
    Refused (403) while the password is one someone else chose and must be changed first.
    Wrong passwords count towards the django-axes lockout; anonymous calls are throttled (in this
    process when the cache is down, :mod:`chuangcheng.throttling`)."""

    throttle_classes = [AnonRateThrottle]
    serializer_class = PasswordCheckedAuthTokenSerializer


class SchemaAccess(BasePermission):
    """The schema and its docs: open with ``API_SCHEMA_PUBLIC`` (default: in development only),
    else for signed-in people — a production deployment does not describe itself to strangers."""

    def has_permission(self, request, view):
        return getattr(settings, "API_SCHEMA_PUBLIC", False) or bool(request.user and request.user.is_authenticated)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[SchemaAccess]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[SchemaAccess]),
        name="api-docs",
    ),
    # 随手拍, public (no account): outside the router and its permission matrices.
    path("public/reports/", CitizenReportCreateView.as_view(), name="api-public-reports"),
    path("public/reports/<str:code>/", CitizenReportStatusView.as_view(), name="api-public-report"),
    # Dashboards (总览, 领导视图, 单位视图): scoped figures, outside the router (no model objects);
    # their permission matrix is in tests/reports/test_dashboard_api.py.
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/leader/", LeaderDashboardView.as_view(), name="api-dashboard-leader"),
    path("dashboard/units/<int:pk>/", UnitDashboardView.as_view(), name="api-dashboard-unit"),
    path("dashboard/<slug:section>/", DashboardSectionView.as_view(), name="api-dashboard-section"),
    # 材料完成率 over what the caller sees; its matrix is in tests/dossiers/test_api.py.
    path("dossiers/completeness/", CompletenessView.as_view(), name="api-dossier-completeness"),
    # 建议约谈 for the office; its matrix is in tests/accountability/test_api.py.
    path("accountability/suggestions/", SuggestionsView.as_view(), name="api-accountability-suggestions"),
    *router.urls,
]
