import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from sitefiles.images import renditions
from sitefiles.media_types import image_format
from sitefiles.private import private_storage
from sitefiles.validators import FILE_VALIDATORS


def random_name(folder, filename):
    """A fresh random name in a dated folder: two uploads never share a name, and
    the client's file name (which may hold anything) never reaches the disk."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def upload_path(instance, filename):
    return random_name("uploads", filename)


def document_path(instance, filename):
    return random_name("documents", filename)


class Upload(models.Model):
    title = models.CharField(max_length=200)
    # Saved through STORAGES["default"], under MEDIA_ROOT in local and production.
    file = models.FileField(
        upload_to=upload_path,
        validators=FILE_VALIDATORS,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A picture's smaller copies for srcset, {"640": storage name, ...}, made
    # once, when it is first saved: None until then ({} when it is small).
    renditions = models.JSONField(null=True, default=None, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        # One record per stored file
{%- if cookiecutter.media_storage != "local" %}: a direct upload's grant is
        # good once (uploads/direct.py)
{%- endif %}.
        constraints = [
            models.UniqueConstraint(fields=["file"], name="uploads_upload_unique_file")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.renditions is None and self.is_image:
            self.renditions = self.make_renditions()
            super().save(update_fields=["renditions"])

    @property
    def is_image(self):
        return image_format(self.file.name) is not None

    def make_renditions(self):
        """Store the smaller copies beside the picture: <name>-640w.png, ..."""
        stored = PurePosixPath(self.file.name)
        with self.file.open("rb") as picture:
            scaled = renditions(picture)
        return {
            str(width): self.file.storage.save(
                str(stored.with_name(f"{stored.stem}-{width}w{stored.suffix}")), content
            )
            for width, content in scaled.items()
        }

    @property
    def srcset(self):
        """The renditions as srcset lists them: "url 320w, url 640w"."""
        storage = self.file.storage
        return ", ".join(
            f"{storage.url(name)} {width}w"
            for width, name in sorted(
                (self.renditions or {}).items(), key=lambda item: int(item[0])
            )
        )


class Document(models.Model):
    """A file only its owner may download: stored through STORAGES["private"],
    and sent by uploads.views.download_document after a permission check."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, editable=False
    )
    title = models.CharField(max_length=200)
    file = models.FileField(
        upload_to=document_path,
        storage=private_storage,
        validators=FILE_VALIDATORS,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("uploads:document", args=[self.pk])
