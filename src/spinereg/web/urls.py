"""URLs of the web pages and the API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from spinereg.web import questionnaires, research_report, views
from spinereg.web.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/scores.svg", views.patient_scores_svg, name="patient-scores"),
    path("patients/<int:patient_id>/history/", views.patient_history_view, name="patient-history"),
    path(
        "patients/<int:patient_id>/questionnaires/new/",
        questionnaires.questionnaire_entry,
        name="questionnaire-new",
    ),
    path(
        "patients/<int:patient_id>/questionnaires/<int:response_id>/",
        questionnaires.questionnaire_entry,
        name="questionnaire-continue",
    ),
    path(
        "patients/<int:patient_id>/questionnaires/<int:response_id>/saved/",
        questionnaires.questionnaire_saved,
        name="questionnaire-saved",
    ),
    path("me/", views.my_record, name="my-record"),
    path("research/", views.research, name="research"),
    path("research/report/", research_report.research_report, name="research-report"),
    path("procedures/", include("spinereg.web.procedures.urls")),
    path("f/", include("spinereg.web.portal.urls")),
    path("followup/", include("spinereg.web.worklist.urls")),
    path("", include("spinereg.web.journey.urls")),
    path("", include("spinereg.web.evidence.urls")),
    path("api/", api.urls),
]
