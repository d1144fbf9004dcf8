"""URLs of the procedure-day pages, under /procedures/."""

from django.urls import path

from spinereg.web.procedures import pages, views

app_name = "procedures"

urlpatterns = [
    path("", pages.index, name="index"),
    path("protocols/", pages.protocols, name="protocols"),
    path("reports/standardisation/", pages.report, name="report"),
    path("reports/standardisation.csv", pages.report_csv, name="report-csv"),
    path("safety-events/", pages.safety_events, name="safety-events"),
    path("<int:episode_id>/", views.day, name="day"),
    path("<int:episode_id>/harvest/", views.harvest, name="harvest"),
    path("<int:episode_id>/processing/", views.processing, name="processing"),
    path("<int:episode_id>/label/", views.label, name="label"),
    path("<int:episode_id>/label.pdf", views.label_pdf_view, name="label-pdf"),
    path("<int:episode_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:episode_id>/identity-check/", views.identity_check, name="identity-check"),
    path("<int:episode_id>/injection/", views.injection, name="injection"),
    path("<int:episode_id>/correction/", views.correction, name="correction"),
    path("<int:episode_id>/sign/", views.sign, name="sign"),
]
