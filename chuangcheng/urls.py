from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from chuangcheng.health import healthz

admin.site.site_header = _("创城督办 · 系统管理")
admin.site.site_title = _("创城督办")
admin.site.index_title = _("系统管理")


def favicon(request):
    """Pages without the layout's icon link (the browsable API, error pages) make browsers ask
    for /favicon.ico; send them to the site's icon rather than a 404."""
    return redirect(static_url("img/favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("chuangcheng.api_urls")),
    path("imports/", include("chuangcheng.imports.urls")),
    path("exports/", include("chuangcheng.imports.export_urls")),
    path("tasks/", include("tasks.urls")),
    path("inspections/", include("inspections.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("accountability/", include("accountability.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("notices/", include("chuangcheng.notifications.urls")),
    path("briefings/", include("chuangcheng.reports.urls")),
    path("dashboard/", include("chuangcheng.reports.dashboard_urls")),
    path("report/", include("inspections.public_urls")),
    path("", include("chuangcheng.org.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Error answers: a Chinese page, or JSON under /api/ (chuangcheng/errors.py).
handler400 = "chuangcheng.errors.bad_request"
handler403 = "chuangcheng.errors.permission_denied"
handler404 = "chuangcheng.errors.page_not_found"
handler500 = "chuangcheng.errors.server_error"
