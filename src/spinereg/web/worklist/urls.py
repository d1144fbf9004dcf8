"""URLs of the follow-up worklist, under /followup/."""

from django.urls import path

from spinereg.web.worklist import views

app_name = "worklist"

urlpatterns = [
    path("", views.worklist, name="index"),
    path("items/<int:item_id>/resend/", views.resend, name="resend"),
    path("patients/<int:patient_id>/contact/", views.contact, name="contact"),
]
