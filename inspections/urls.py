from django.urls import path

from . import views
from .workflow import TRANSITIONS

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="inspection_list"),
    path("export/", views.inspection_export, name="inspection_export"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/report.docx", views.inspection_report, {"fmt": "docx"}, name="inspection_report_docx"),
    path("<int:pk>/report.xlsx", views.inspection_report, {"fmt": "xlsx"}, name="inspection_report_xlsx"),
    path("<int:pk>/source/", views.inspection_source, name="inspection_source"),
    path("issues/", views.issue_list, name="issue_list"),
    path("issues/export/", views.issue_export, name="issue_export"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("photos/<int:pk>/", views.photo_file, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo_file, {"thumbnail": True}, name="photo_thumb"),
    path("capture/", views.capture_start, name="capture_start"),
    path("sw.js", views.capture_worker, name="capture_worker"),
    path("capture/<int:pk>/", views.capture, name="capture"),
    path("capture/<int:pk>/suggest/", views.capture_suggest, name="capture_suggest"),
    path("queue/", views.my_queue, name="my_queue"),
    path("queue/review/", views.review_queue, name="review_queue"),
]
# One POST URL per workflow action: inspections:issue_accept, inspections:issue_sign, …
for _action in TRANSITIONS:
    urlpatterns.append(
        path(
            f"issues/<int:pk>/{_action.replace('_', '-')}/",
            views.issue_action,
            {"action": _action},
            name=f"issue_{_action}",
        )
    )
