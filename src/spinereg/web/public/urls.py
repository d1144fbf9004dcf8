"""Public URLs (no sign-in) under /bmac/: about, request a consultation, and the pages reached
from the signed link in the confirmation e-mail."""

from django.urls import path

from spinereg.web.public import views

urlpatterns = [
    path("", views.about, name="public-about"),
    path("consultation/", views.clinics, name="public-clinics"),
    path("consultation/<slug:code>/", views.book, name="public-book"),
    path("b/<str:token>/", views.booking, name="public-booking"),
    path("b/<str:token>/cancel/", views.booking_cancel, name="public-booking-cancel"),
    path("b/<str:token>/reschedule/", views.booking_reschedule, name="public-booking-reschedule"),
    path("b/<str:token>/consultation.ics", views.booking_calendar, name="public-booking-ics"),
    path("b/<str:token>/prescreen/", views.prescreen, name="public-prescreen"),
    path("b/<str:token>/result/", views.result, name="public-result"),
    path("b/<str:token>/consent/", views.consent, name="public-consent"),
]
