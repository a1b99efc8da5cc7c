"""The policy app's permission names, and those only the Owner role holds (they need a second factor:
staletrack.permissions)."""

EDIT_POLICY = "policies.edit_policy"

# Given to the Owner role by cases/migrations/0003_roles.py.
OWNER_ONLY = frozenset(
    {
        EDIT_POLICY,
        "policies.add_policy",
        "policies.change_policy",
        "policies.add_countryoverride",
        "policies.change_countryoverride",
        "policies.delete_countryoverride",
        "policies.add_supplieroverride",
        "policies.change_supplieroverride",
        "policies.delete_supplieroverride",
    }
)
