"""Admin actions refused on the server with 403.

Django's admin drops the actions a user lacks the permission for from the action menu, so a crafted POST
naming one only redirects with "No action selected". Admins that mix this in answer such a POST with
403 instead, and nothing is written."""

from django.core.exceptions import PermissionDenied


class RefuseUnpermittedActionsMixin:
    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            names = {name for name in request.POST.getlist("action") if name}
            if names:
                declared = {name for _, name, _ in self._get_base_actions()}  # before permissions
                allowed = set(self.get_actions(request))
                if (names & declared) - allowed:
                    raise PermissionDenied("You may not run that action.")
        return super().changelist_view(request, extra_context)
