import django.core.validators
import django.db.models.deletion
import sitefiles.private
import sitefiles.validators
from django.conf import settings
from django.db import migrations, models

import uploads.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "file",
                    models.FileField(
                        storage=sitefiles.private.private_storage,
                        upload_to=uploads.models.document_path,
                        validators=[
                            django.core.validators.FileExtensionValidator(
                                allowed_extensions=[
                                    "gif",
                                    "jpeg",
                                    "jpg",
                                    "png",
                                    "webp",
                                    "pdf",
                                    "txt",
                                ]
                            ),
                            sitefiles.validators.validate_size,
                            sitefiles.validators.validate_leading_bytes,
                            sitefiles.validators.validate_image_content,
                        ],
                    ),
                ),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "owner",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Upload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "file",
                    models.FileField(
                        upload_to=uploads.models.upload_path,
                        validators=[
                            django.core.validators.FileExtensionValidator(
                                allowed_extensions=[
                                    "gif",
                                    "jpeg",
                                    "jpg",
                                    "png",
                                    "webp",
                                    "pdf",
                                    "txt",
                                ]
                            ),
                            sitefiles.validators.validate_size,
                            sitefiles.validators.validate_leading_bytes,
                            sitefiles.validators.validate_image_content,
                        ],
                    ),
                ),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "renditions",
                    models.JSONField(default=None, editable=False, null=True),
                ),
            ],
            options={
                "ordering": ["-uploaded_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("file",), name="uploads_upload_unique_file"
                    )
                ],
            },
        ),
    ]
