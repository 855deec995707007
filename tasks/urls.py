from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("mine/", views.my_work, name="my_work"),
    path("", views.ledger, name="ledger"),
    path("<int:pk>/", views.detail, name="detail"),
]
