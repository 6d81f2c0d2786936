from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .images import without_metadata
from .models import Upload
from .validators import ALLOWED_EXTENSIONS


class UploadForm(forms.ModelForm):
    class Meta:
        model = Upload
        fields = ["title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        file = self.fields["file"]
        file.help_text = (
            f"{', '.join(ALLOWED_EXTENSIONS)};"
            f" up to {filesizeformat(settings.MAX_UPLOAD_SIZE)}."
        )
        file.widget.attrs["accept"] = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)

    def save(self, commit=True):
        """Store a picture written again without its metadata (the model's
        validators have checked the upload as it came)."""
        if "file" in self.changed_data:
            self.instance.renditions = None  # made again for the new file
            if self.instance.is_image:
                self.instance.file = without_metadata(self.cleaned_data["file"])
        return super().save(commit)
