"""Forms of the admin's file imports.

The upload, how an orders file's times are read, and the step where a
person names the columns of a file (docs/imports.md, *Columns a person names*)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from django import forms
from django.conf import settings

from cases.choices import DisputeProcessor
from cases.intake.csvfiles import header_key
from cases.intake.order_import import store_zone
from cases.intake.orders_csv import DAY_FIRST, MONTH_FIRST, is_time_zone
from staletrack.json_input import JsonInputError, load_json


class UploadForm(forms.Form):
    """One file, refused past the upload limit for imported files (settings.BUNDLE_MAX_BYTES)."""

    file = forms.FileField()
    help = "A file."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.help

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.BUNDLE_MAX_BYTES:
            limit = settings.BUNDLE_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {limit} MB; split it.")
        return upload


class BundleUploadForm(UploadForm):
    help = "A case bundle JSON file (format staletrack.bundle/1 or staletrack.bundle/2)."


class TrackingCsvUploadForm(UploadForm):
    help = "A CSV file saved as UTF-8."


# --- how an orders file's times are read (rules.md section 1) -------------------------------------------

# The words the orders import takes for `date_order` (cases.intake.orders_csv), with their labels.
DATE_ORDERS = (
    ("", "automatic: ask when a date could be read both ways"),
    (DAY_FIRST, "day first (31/12/2026)"),
    (MONTH_FIRST, "month first (12/31/2026)"),
)
NO_TIME_ZONE = ""
# Aliases and legacy names the tz database keeps for old systems; a person picks a city's zone instead.
LEGACY_ZONE_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zones offered: the city zones of the tz database and UTC, sorted."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(LEGACY_ZONE_PREFIXES)
    }
    return tuple(sorted(names | {"UTC"}))


def time_zone_choices() -> list[tuple[str, str]]:
    store = store_zone()
    zones = list(time_zone_names())
    if store not in zones:
        zones.insert(0, store)
    return [
        (NO_TIME_ZONE, "none: every time in the file has its UTC offset"),
        *((zone, f"{zone} (the store's time zone)" if zone == store else zone) for zone in zones),
    ]


def valid_time_zone(name: str) -> str:
    """`name` when zoneinfo knows it (an IANA zone such as Europe/Paris), else a ValidationError naming it."""
    if name == NO_TIME_ZONE or is_time_zone(name):
        return name
    raise forms.ValidationError(
        f"{name!r} is not a time zone of the tz database; pick one such as Europe/Paris or America/New_York."
    )


class ReadingChoicesMixin(forms.Form):
    """How an orders file's times are read: the time zone of times written without an offset (the store's
    by default) and the order of day and month in dates like 03/04/2026."""

    time_zone = forms.CharField(
        required=False,
        label="Time zone of times without an offset",
        help_text="Times the file writes without a UTC offset (2026-11-02 09:15) are read in this zone, and "
        "the preview says so. Times with an offset keep theirs.",
    )
    date_order = forms.ChoiceField(
        required=False,
        choices=DATE_ORDERS,
        label="Order of day and month",
        help_text="For dates like 03/04/2026. Automatic reads a file whose dates can only be read one way, "
        "and asks otherwise.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        field.widget = forms.Select(choices=time_zone_choices())
        field.initial = store_zone()

    def clean_time_zone(self):
        return valid_time_zone(self.cleaned_data.get("time_zone") or NO_TIME_ZONE)

    def reading_choices(self) -> dict[str, str | None]:
        """The keyword arguments of the orders import: None for "not given"."""
        data = self.cleaned_data
        return {"time_zone": data.get("time_zone") or None, "date_order": data.get("date_order") or None}


# --- naming the columns ---------------------------------------------------------------------------------

NOT_IN_FILE = ""
NOT_IN_FILE_LABEL = "— not in this file —"
COLUMN_PREFIX = "column__"


@dataclass(frozen=True)
class ImportField:
    """A field of an import, as the column step offers it."""

    name: str
    need: str = ""  # "required", "this or tracking_number", ... ("" for an optional field)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.need})" if self.need else self.name


def file_headers(header: Sequence[str]) -> list[str]:
    """The headers a person can pick: each non-empty cell once, stripped, in file order."""
    seen: set[str] = set()
    out = []
    for cell in header:
        cell = cell.strip()
        if cell and header_key(cell) not in seen:
            seen.add(header_key(cell))
            out.append(cell)
    return out


class ColumnMapForm(forms.Form):
    """One select per field of the import listing the file's headers, and the stored upload it names (a
    token of this session's uploads, never a path: cases.intake.admin.orders.SessionUploads)."""

    upload = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(
        self,
        *args,
        fields: Sequence[ImportField],
        header: Sequence[str],
        mapping: Mapping[str, str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.import_fields = list(fields)
        self.headers = file_headers(header)
        by_key = {header_key(h): h for h in self.headers}
        choices = [(NOT_IN_FILE, NOT_IN_FILE_LABEL), *((h, h) for h in self.headers)]
        for field in self.import_fields:
            chosen = (mapping or {}).get(field.name)
            self.fields[COLUMN_PREFIX + field.name] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                initial=by_key.get(header_key(chosen)) if chosen else NOT_IN_FILE,
            )

    def column_fields(self):
        return [self[COLUMN_PREFIX + field.name] for field in self.import_fields]

    def clean(self):
        data = super().clean()
        taken: dict[str, str] = {}
        for field in self.import_fields:
            header = data.get(COLUMN_PREFIX + field.name)
            if not header:
                continue
            other = taken.setdefault(header_key(header), field.name)
            if other != field.name:
                self.add_error(
                    COLUMN_PREFIX + field.name,
                    f"The column {header!r} is already named for {other}; a column holds one field.",
                )
        return data

    def column_map(self) -> dict[str, str]:
        """`{field: header}` for the fields a column was named for."""
        return {
            field.name: header
            for field in self.import_fields
            if (header := self.cleaned_data.get(COLUMN_PREFIX + field.name))
        }


class DisputeReadingMixin(forms.Form):
    """How a disputes file is read (docs/disputes.md): the processor of rows that name none, and the time
    zone of times written without an offset; none by default, so such times are refused, named by row."""

    processor = forms.ChoiceField(
        choices=DisputeProcessor.choices,
        initial=DisputeProcessor.SHOPIFY_PAYMENTS,
        label="Processor",
        help_text="The processor of rows without a processor column.",
    )
    time_zone = forms.CharField(
        required=False,
        label="Time zone of times without an offset",
        help_text="Leave it at none unless the file's times lack their UTC offset and you know their zone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())
        self.fields["time_zone"].initial = NO_TIME_ZONE

    def clean_time_zone(self):
        return valid_time_zone(self.cleaned_data.get("time_zone") or NO_TIME_ZONE)

    def reading_choices(self) -> dict[str, str | None]:
        """The keyword arguments of the disputes import."""
        data = self.cleaned_data
        return {"processor": data["processor"], "time_zone": data.get("time_zone") or None}


class DisputeCsvUploadForm(DisputeReadingMixin, UploadForm):
    help = "A CSV file saved as UTF-8: Shopify's dispute fields, or Stripe's disputes export."
    field_order = ["file", "processor", "time_zone"]


class DisputeColumnMapForm(DisputeReadingMixin, ColumnMapForm):
    """The disputes file again, read with these choices and these columns."""

    field_order = ["upload", "processor", "time_zone"]


class OrderColumnMapForm(ReadingChoicesMixin, ColumnMapForm):
    """The orders preview again: the stored file read with these time choices and these columns."""

    field_order = ["upload", "time_zone", "date_order"]


def parse_column_map(text: str, fields: Sequence[str]) -> dict[str, str]:
    """A column map carried by a confirm form as JSON, checked: fields of this import, headers as text."""
    if not text:
        return {}
    try:
        mapping = load_json(text, what="the named columns")
    except JsonInputError:
        raise forms.ValidationError("The named columns cannot be read; name them again.") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and k in fields and isinstance(v, str) and v.strip() for k, v in mapping.items()
    ):
        raise forms.ValidationError("The named columns cannot be read; name them again.")
    return mapping
