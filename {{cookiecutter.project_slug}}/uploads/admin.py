from django.contrib import admin

from .forms import UploadForm
from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    form = UploadForm  # pictures are stored without their metadata here too
    list_display = ["title", "file", "uploaded_at"]
