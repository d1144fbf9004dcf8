"""URLs of the patient journey: the public pages under /bmac/ and the staff pages under
/journey/ (one include line in spinereg.web.urls)."""

from django.urls import include, path

from spinereg.web.journey import views

staff = [
    path("alerts/", views.alerts, name="journey-alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="journey-alert-ack"),
    path("bookings/", views.bookings, name="journey-bookings"),
    path("availability/", views.availability, name="journey-availability"),
    path(
        "availability/<str:kind>/<int:row_id>/delete/",
        views.availability_delete,
        name="journey-availability-delete",
    ),
    path("patients/<int:patient_id>/candidacy/", views.candidacy, name="journey-candidacy"),
    path("patients/<int:patient_id>/consent/", views.consent, name="journey-consent"),
]

urlpatterns = [
    path("bmac/", include("spinereg.web.public.urls")),
    path("journey/", include(staff)),
]
