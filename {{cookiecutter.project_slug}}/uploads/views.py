from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import reverse_lazy
from django.views.generic import CreateView
from sitefiles.private import private_file_response

from .forms import DocumentForm, UploadForm
from .models import Document, Upload


class UploadListView(CreateView):
    """One page: the upload form and the files uploaded so far."""

    form_class = UploadForm
    template_name = "uploads/upload_list.html"
    success_url = reverse_lazy("uploads:list")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("uploads", Upload.objects.all()[:50])
        return super().get_context_data(**kwargs)


class DocumentListView(LoginRequiredMixin, CreateView):
    """One page for a signed-in user: their private documents and the form."""

    form_class = DocumentForm
    template_name = "uploads/document_list.html"
    success_url = reverse_lazy("uploads:documents")

    def get_context_data(self, **kwargs):
        documents = Document.objects.filter(owner=self.request.user)
        kwargs.setdefault("documents", documents[:50])
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        form.instance.owner = self.request.user
        return super().form_valid(form)


def download_document(request, pk):
    """The document, to its owner only. Anyone else gets a 404, as for a
    document that does not exist: its number tells them nothing."""
    if not request.user.is_authenticated:
        raise Http404
    try:
        document = Document.objects.get(pk=pk, owner=request.user)
    except Document.DoesNotExist:
        raise Http404 from None
    return private_file_response(document.file)
