from django import forms
from django.conf import settings


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
    help = "A case bundle JSON file (format staletrack.bundle/1)."


class TrackingCsvUploadForm(UploadForm):
    help = "A CSV file saved as UTF-8."
