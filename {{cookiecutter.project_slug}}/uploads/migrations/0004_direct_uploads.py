import django.core.validators
from django.db import migrations, models

import files.private
import uploads.models
import uploads.validators


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0003_document"),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="file",
            field=models.FileField(
                storage=files.private.private_storage,
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
                    uploads.validators.validate_size,
                    uploads.validators.validate_leading_bytes,
                    uploads.validators.validate_image_content,
                ],
            ),
        ),
        migrations.AlterField(
            model_name="upload",
            name="file",
            field=models.FileField(
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
                    uploads.validators.validate_leading_bytes,
                    uploads.validators.validate_image_content,
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="upload",
            constraint=models.UniqueConstraint(
                fields=("file",), name="uploads_upload_unique_file"
            ),
        ),
    ]
