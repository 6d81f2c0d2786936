from django.urls import path

from .views import DocumentListView, UploadListView, download_document

app_name = "uploads"

urlpatterns = [
    path("", UploadListView.as_view(), name="list"),
    path("documents/", DocumentListView.as_view(), name="documents"),
    path("documents/<int:pk>/", download_document, name="document"),
]
