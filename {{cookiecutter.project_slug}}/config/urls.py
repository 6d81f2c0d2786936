"""URL configuration.

Static files need no URL patterns here: WhiteNoise serves them (from the app and
project static directories under runserver, from STATIC_ROOT in production).
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
{%- if cookiecutter.use_upload_example %}
from django.contrib.auth.views import LoginView, LogoutView
{%- endif %}
from django.urls import {% if cookiecutter.use_upload_example %}include, {% endif %}path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
{%- if cookiecutter.use_upload_example %}
    path("uploads/", include("uploads.urls")),
    # Sign-in for the private documents (templates/registration/login.html).
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
{%- endif %}
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Development only: in production the web server (or object storage) serves
    # MEDIA_ROOT, and Django never does.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
