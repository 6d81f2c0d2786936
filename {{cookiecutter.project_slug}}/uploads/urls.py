from django.urls import path

from .views import UploadListView

app_name = "uploads"

urlpatterns = [
    path("", UploadListView.as_view(), name="list"),
]
