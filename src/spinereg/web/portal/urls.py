"""URLs of the follow-up link pages, under /f/ (short, for text messages)."""

from django.urls import path

from spinereg.web.portal import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.start, name="start"),
    path("<str:token>/q/<str:instrument_id>/", views.questionnaire, name="questionnaire"),
    path("<str:token>/done/", views.done, name="done"),
    path("<str:token>/trajectory.svg", views.trajectory, name="trajectory"),
]
