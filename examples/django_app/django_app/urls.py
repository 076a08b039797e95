"""URLs of the Django example."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("static/signin.js", views.bundle),
    path("manifest.json", views.manifest),
    path("healthz", views.healthz),
    path("auth/", include("authtokens.integrations.django.urls")),
    path("admin/", admin.site.urls),
]
