"""`?lang=` switches the language and is remembered."""

from django.template import engines

TEMPLATE = "{% load i18n %}{% get_current_language as L %}[{{ L }}]"


def test_the_query_switches_and_the_cookie_remembers(client, db, settings):
    from django.http import HttpResponse
    from django.urls import path

    def probe(request):
        return HttpResponse(engines["django"].from_string(TEMPLATE).render({}, request))

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("probe/", probe)]})
    assert client.get("/probe/").content == b"[en]"
    assert client.get("/probe/?lang=es").content == b"[es]"
    assert client.get("/probe/").content == b"[es]"
    assert client.get("/probe/?lang=xx").content == b"[es]"
