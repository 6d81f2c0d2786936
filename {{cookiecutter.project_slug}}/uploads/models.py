from pathlib import PurePosixPath

from django.db import models

IMAGE_SUFFIXES = {".gif", ".jpeg", ".jpg", ".png", ".webp"}


class Upload(models.Model):
    title = models.CharField(max_length=200)
    # Saved through STORAGES["default"] under MEDIA_ROOT; the date keeps any one
    # directory small, and the storage renames a file rather than overwrite one.
    file = models.FileField(upload_to="uploads/%Y/%m/%d/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def is_image(self):
        return PurePosixPath(self.file.name).suffix.lower() in IMAGE_SUFFIXES
