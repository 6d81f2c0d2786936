from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

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
