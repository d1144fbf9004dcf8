"""URL map: staff pages, the REST API and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("spinereg.web.urls")),
]
