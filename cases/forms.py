from django import forms
from django.conf import settings


class BundleUploadForm(forms.Form):
    file = forms.FileField(help_text="A case bundle JSON file (format staletrack.bundle/1).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.BUNDLE_MAX_BYTES:
            limit = settings.BUNDLE_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {limit} MB; split the bundle.")
        return upload
