"""The project's URLs: the admin (with the second-factor login), the webhooks, /healthz, the evidence's
attachments."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cases.api.routes import router as cases_api
from cases.attachments import attachment
from policies.api import router as policies_api
from staletrack import api
from staletrack.health import healthz
from staletrack.second_factor import SecondFactorLoginForm
from staletrack.second_factor import setup_view as second_factor_setup
from suppliers.api import router as suppliers_api

admin.site.site_header = "staletrack"
admin.site.site_title = "staletrack"
admin.site.index_title = "Stale-tracking back office"
# Owners with an authenticator give its code at the login (staletrack.second_factor).
admin.site.login_form = SecondFactorLoginForm
admin.site.login_template = "admin/login_second_factor.html"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/second-factor/", admin.site.admin_view(second_factor_setup), name="second_factor"),
    path("admin/", admin.site.urls),
    # The agents' door: the JSON API (read, and proposals a person accepts).
    path("api/", api.urls(cases_api, suppliers_api, policies_api)),
    path("webhooks/", include("cases.intake.webhooks.urls")),
    # Files kept with supplier evidence: staff only (the admin's login), never a public media folder.
    path("media/<path:name>", admin.site.admin_view(attachment), name="attachment"),
]
