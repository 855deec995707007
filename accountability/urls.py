from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("interviews/<int:pk>/", views.interview, name="interview"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("decisions/<int:pk>/document/", views.decision_document, name="decision_document"),
    path("new/<slug:kind>/", views.record_new, name="new"),
]
