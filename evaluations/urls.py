from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/start/", views.round_action, {"action": "start"}, name="round_start"),
    path("rounds/<int:pk>/close/", views.round_action, {"action": "close"}, name="round_close"),
    path("rounds/<int:pk>/report.pdf", views.round_report_file, {"fmt": "pdf"}, name="report_pdf"),
    path("rounds/<int:pk>/report.docx", views.round_report_file, {"fmt": "docx"}, name="report_docx"),
    path("sites/<int:pk>/", views.site_checklist, name="site"),
    path("sites/<int:pk>/issues/", views.site_generate, name="site_generate"),
    path("sweeps/", views.sweep_list, name="sweeps"),
    path("sweeps/new/", views.sweep_new, name="sweep_new"),
    path("sweeps/<int:pk>/", views.sweep_detail, name="sweep"),
]
