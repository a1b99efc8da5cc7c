"""Django's admin as an installed app, with the project's site (`staletrack.site`): INSTALLED_APPS names
`staletrack.admin_app.AdminConfig` instead of `django.contrib.admin`. A module of its own: Django picks an
app's config from its `apps` module only when that holds one."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin whose default site (`admin.site`) is staletrack's: its index is the home page."""

    default_site = "staletrack.site.AdminSite"
