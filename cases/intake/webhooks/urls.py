"""Pushed sources' webhooks, mounted under /webhooks/ by staletrack/urls.py (docs/connections.md)."""

from django.urls import path

from cases.intake.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("aftership/", views.aftership, name="aftership"),
    path("token/<str:token>/", views.by_token, name="by_token"),
    path("<str:source>/", views.pushed, name="pushed"),
]
