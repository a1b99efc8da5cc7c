"""The supplier app's permission names, and those only the Owner role holds (they need a second factor:
staletrack.permissions)."""

PAUSE_PRODUCT = "suppliers.pause_product"
FLAG_SUPPLIER = "suppliers.flag_supplier"
MANAGE_VENDOR_MAP = "suppliers.manage_vendor_map"

# Given to the Owner role by cases/migrations/0003_roles.py and suppliers/migrations/0004.
OWNER_ONLY = frozenset(
    {
        PAUSE_PRODUCT,
        FLAG_SUPPLIER,
        MANAGE_VENDOR_MAP,
        "suppliers.add_supplier",
        "suppliers.change_supplier",
        "suppliers.add_product",
        "suppliers.change_product",
    }
)
