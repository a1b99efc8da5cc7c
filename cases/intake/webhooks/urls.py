"""Tracker webhooks, mounted under /webhooks/ by staletrack/urls.py (see docs/webhook.md)."""

from django.urls import path

from cases.intake.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("aftership/", views.aftership, name="aftership"),
]
