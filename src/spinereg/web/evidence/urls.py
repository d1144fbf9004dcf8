"""URLs of the evidence pages (included from spinereg.web.urls)."""

from django.urls import path

from spinereg.web.evidence import public, views

urlpatterns = [
    path("evidence/", public.public_evidence, name="public-evidence"),
    path("research/evidence/", views.research_evidence, name="research-evidence"),
    path(
        "research/evidence/rows/<int:row_id>/",
        views.research_evidence_row,
        name="research-evidence-row",
    ),
]
