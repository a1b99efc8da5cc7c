"""Formula-safe exports, and the admin's "Export selected" action for tables of a million rows.

Formula neutralisation (OWASP "CSV injection"): every exported cell that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text instead of running it. It
is done for every exported row (`FormulaSafeResource.export_resource`, which `export()` calls), so exports
made from code (`OrderResource().export()`) are covered as well as the admin's; CSV files written by hand
(the scorecard, an import's errors) pass each cell through `neutralise`. The library's own
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (settings) only strips a leading `=` (4.4.3) and only in the
admin's file formats; after this prefix it finds nothing to strip.
"""

from import_export import resources
from import_export.admin import ExportActionMixin

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell that a spreadsheet would read as a formula, made text (OWASP): a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class FormulaSafeResource(resources.ModelResource):
    """A ModelResource whose exports never carry a live formula, from the admin or from code: every row
    `export()` builds passes through here."""

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [neutralise(cell) for cell in super().export_resource(instance, selected_fields, **kwargs)]


class SelectedRowsExportMixin(ExportActionMixin):
    """django-import-export checks the selected rows of an export against every primary key of the table
    (a form field with one choice per row: a million for the orders). Only the rows selected, and only
    those the export may show, are checked here; its deprecated default is not called."""

    def get_valid_export_item_pks(self, request):
        selected = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return list(self.get_export_queryset(request).filter(pk__in=selected).values_list("pk", flat=True))
