"""Large files, sent by the browser straight to the media bucket: the page, the
grant and the record. sitefiles.cloud.direct_uploads says how the upload is
granted and checked.

The page's script (uploads/static/uploads/direct-upload.js) asks
grant_direct_upload for a grant, sends the file to the bucket with it, then
posts the grant's token to complete_direct_upload, which checks what arrived
and records an Upload.
Refusals answer JSON {"error": message}: 400, or 409 for a grant used twice.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from sitefiles.cloud import direct_uploads
from sitefiles.conf import setting

from .models import Upload, upload_path

ALREADY_RECORDED = "This upload has been recorded already."


def max_size():
    """SITEFILES_DIRECT_UPLOAD_MAX_SIZE (settings), in bytes."""
    return setting("DIRECT_UPLOAD_MAX_SIZE")


def available():
    """Whether media is in the bucket: local and test settings keep it on disk
    or in memory, where there is nothing to upload to directly."""
    return hasattr(default_storage, "upload_grant")


class DirectUploadView(TemplateView):
    template_name = "uploads/direct_upload.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            available=available(),
            extensions=direct_uploads.EXTENSIONS,
            max_size=max_size(),
            **kwargs,
        )


class GrantForm(forms.Form):
    """What the browser says of the file it is about to send."""

    filename = forms.CharField(max_length=255)
    size = forms.IntegerField(min_value=0)

    def clean(self):
        data = super().clean()
        if not self.errors:
            direct_uploads.check_request(data["filename"], data["size"], max_size())
        return data


class CompletionForm(forms.ModelForm):
    token = forms.CharField()

    class Meta:
        model = Upload
        fields = ["title"]


def refused(message, status=400):
    return JsonResponse({"error": message}, status=status)


def first_error(form):
    return next(iter(form.errors.values()))[0]


@require_POST
def grant_direct_upload(request):
    """A name of Django's choosing for the file, and a grant to upload it."""
    if not available():
        raise Http404
    form = GrantForm(request.POST)
    if not form.is_valid():
        return refused(first_error(form))
    name = upload_path(None, form.cleaned_data["filename"])
    return JsonResponse(direct_uploads.grant(default_storage, name, max_size()))


@require_POST
def complete_direct_upload(request):
    """Check what arrived for the granted name; record it, or refuse it."""
    if not available():
        raise Http404
    form = CompletionForm(request.POST)
    if not form.is_valid():
        return refused(first_error(form))
    try:
        name = direct_uploads.granted_name(form.cleaned_data["token"])
        # A grant is good once: used again, even if the bucket took another
        # upload with it, it never reaches the copy that would replace the file.
        if Upload.objects.filter(file=name).exists():
            return refused(ALREADY_RECORDED, status=409)
        direct_uploads.keep(default_storage, name, max_size())
        with transaction.atomic():  # an IntegrityError leaves the request's usable
            upload = Upload.objects.create(title=form.cleaned_data["title"], file=name)
    except IntegrityError:  # two completions of one grant at once: one record
        return refused(ALREADY_RECORDED, status=409)
    except ValidationError as error:
        return refused(error.messages[0])
    return JsonResponse({"title": upload.title, "url": upload.file.url}, status=201)
