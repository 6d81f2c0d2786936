import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import files.private
import uploads.models
import uploads.validators


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0002_renditions"),
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
                        storage=files.private.private_storage,
                        upload_to=uploads.models.document_path,
                        validators=[
                            uploads.validators.validate_extension,
                            uploads.validators.validate_size,
                            uploads.validators.validate_image_content,
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
    ]
