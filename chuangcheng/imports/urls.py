from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("batches/<int:pk>/status/", views.status, name="status"),
    path("<slug:kind>/", views.upload, name="upload"),
]
