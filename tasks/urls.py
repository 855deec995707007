from django.urls import path

from . import views
from .forms import ACTION_FORMS

app_name = "tasks"

urlpatterns = [
    path("mine/", views.my_work, name="my_work"),
    path("", views.ledger, name="ledger"),
    path("export/", views.export, name="export"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
]
# One POST URL per workflow action (tasks:report, tasks:submit, …) and the GET that loads its
# empty form into a 我的待办 card (tasks:report_form, …).
for _action in ACTION_FORMS:
    urlpatterns += [
        path(f"<int:pk>/{_action.replace('_', '-')}/", views.task_action, {"action": _action}, name=_action),
        path(
            f"<int:pk>/{_action.replace('_', '-')}/form/",
            views.action_form,
            {"action": _action},
            name=f"{_action}_form",
        ),
    ]
