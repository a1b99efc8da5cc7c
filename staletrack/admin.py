"""Admin base classes and action mixins the apps share."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path


def admin_paths(model_admin: admin.ModelAdmin, *routes: tuple) -> list:
    """The URL patterns of a ModelAdmin's own pages, to put before Django's in `get_urls`: one for each
    `(route, view, name)`, the view behind the admin site's check that a staff member is logged in."""
    return [path(route, model_admin.admin_site.admin_view(view), name=name) for route, view, name in routes]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list of records that only code writes: no add, change or delete page, no actions; a crafted POST
    to those URLs gets 403."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefuseUnpermittedActionsMixin:
    """Admin actions refused on the server with 403.

    Django's admin drops the actions a user lacks the permission for from the action menu, so a crafted
    POST naming one only redirects with "No action selected". Admins that mix this in answer such a POST
    with 403 instead, and nothing is written."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                if name and not self.may_run_action(request, name):
                    raise PermissionDenied("You may not run that action.")
        return super().changelist_view(request, extra_context)

    def may_run_action(self, request, name: str) -> bool:
        """Whether `request`'s user holds one of the permissions action `name` declares (Django's own rule
        for the action menu); a name that is no action, or an action that declares none, is Django's to
        answer."""
        action = self.get_action(name)
        permissions = getattr(action[0], "allowed_permissions", ()) if action else ()
        if not permissions:
            return True
        return any(getattr(self, f"has_{permission}_permission")(request) for permission in permissions)
