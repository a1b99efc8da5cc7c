from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "staletrack"
admin.site.site_title = "staletrack"
admin.site.index_title = "Stale-tracking back office"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("webhooks/", include("cases.webhooks.urls")),
]
