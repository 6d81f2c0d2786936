from django.urls import path
{% if cookiecutter.media_storage != "local" %}
from .direct import DirectUploadView, complete_direct_upload, grant_direct_upload
{%- endif %}
from .views import DocumentListView, UploadListView, download_document

app_name = "uploads"

urlpatterns = [
    path("", UploadListView.as_view(), name="list"),
    path("documents/", DocumentListView.as_view(), name="documents"),
    path("documents/<int:pk>/", download_document, name="document"),
{%- if cookiecutter.media_storage != "local" %}
    # A large file, sent by the browser straight to the media bucket.
    path("direct/", DirectUploadView.as_view(), name="direct"),
    path("direct/grant/", grant_direct_upload, name="direct-grant"),
    path("direct/complete/", complete_direct_upload, name="direct-complete"),
{%- endif %}
]
