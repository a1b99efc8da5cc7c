"""The disputes import page on an admin site, for its tests: the project's URLs, with the Dispute admin
serving the page as `cases.intake.dispute_import_views.dispute_import_urls` says. Until the project's admin
registers disputes itself, this module is the test's ROOT_URLCONF (the `import_url` fixture of
tests/cases/intake/test_dispute_import.py decides); once it does, the project's own URLs are used."""

from django.contrib import admin
from django.urls import path

from cases.intake.dispute_import_views import dispute_import_urls
from cases.models import Dispute
from staletrack import urls as project


class DisputeImportAdmin(admin.ModelAdmin):
    def get_urls(self):
        return [*dispute_import_urls(self), *super().get_urls()]


def _site() -> admin.AdminSite:
    """A site named like the project's (`admin:` URL names), with its registrations and the disputes."""
    site = admin.AdminSite(name="admin")
    for model, model_admin in admin.site._registry.items():
        site.register(model, type(model_admin))
    if not site.is_registered(Dispute):
        site.register(Dispute, DisputeImportAdmin)
    return site


urlpatterns = [
    path("admin/", _site().urls),
    *(pattern for pattern in project.urlpatterns if str(pattern.pattern) != "admin/"),
]
