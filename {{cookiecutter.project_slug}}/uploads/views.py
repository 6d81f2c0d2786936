from django.urls import reverse_lazy
from django.views.generic import CreateView

from .forms import UploadForm
from .models import Upload


class UploadListView(CreateView):
    """One page: the upload form and the files uploaded so far."""

    form_class = UploadForm
    template_name = "uploads/upload_list.html"
    success_url = reverse_lazy("uploads:list")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("uploads", Upload.objects.all()[:50])
        return super().get_context_data(**kwargs)
