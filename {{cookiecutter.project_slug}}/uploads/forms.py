from django import forms
from django.template.defaultfilters import filesizeformat
from sitefiles.conf import setting
from sitefiles.images import without_metadata
from sitefiles.media_types import image_format
from sitefiles.validators import ALLOWED_EXTENSIONS

from .models import Document, Upload


class FileForm(forms.ModelForm):
    """A form with a `file` field for the allowed types: pictures are stored
    written again without their metadata (the model's validators have checked
    the upload as it came)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        file = self.fields["file"]
        file.help_text = (
            f"{', '.join(ALLOWED_EXTENSIONS)};"
            f" up to {filesizeformat(setting('MAX_UPLOAD_SIZE'))}."
        )
        file.widget.attrs["accept"] = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)

    def save(self, commit=True):
        if "file" in self.changed_data and image_format(self.instance.file.name):
            self.instance.file = without_metadata(self.cleaned_data["file"])
        return super().save(commit)


class UploadForm(FileForm):
    class Meta:
        model = Upload
        fields = ["title", "file"]

    def save(self, commit=True):
        if "file" in self.changed_data:
            self.instance.renditions = None  # made again for the new file
        return super().save(commit)


class DocumentForm(FileForm):
    class Meta:
        model = Document
        fields = ["title", "file"]
