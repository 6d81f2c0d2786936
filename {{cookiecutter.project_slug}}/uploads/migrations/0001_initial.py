import django.core.validators
from django.db import migrations, models

import uploads.models
import uploads.validators


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
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
                            uploads.validators.validate_size,
                            uploads.validators.validate_image_content,
                        ],
                    ),
                ),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
    ]
