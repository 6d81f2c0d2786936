import uuid
from pathlib import PurePosixPath

from django.db import models
from django.utils import timezone

from .validators import (
    IMAGE_SIGNATURES,
    validate_extension,
    validate_image_content,
    validate_size,
)


def upload_path(instance, filename):
    """A fresh random name in a dated folder: two uploads never share a name, and
    the client's file name (which may hold anything) never reaches the disk."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Upload(models.Model):
    title = models.CharField(max_length=200)
    # Saved through STORAGES["default"], under MEDIA_ROOT in local and production.
    file = models.FileField(
        upload_to=upload_path,
        validators=[validate_extension, validate_size, validate_image_content],
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def is_image(self):
        return PurePosixPath(self.file.name).suffix.lower() in IMAGE_SIGNATURES
