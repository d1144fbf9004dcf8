"""The patient-facing pages stay light (≤ 100 KB of HTML + CSS + JS on first load), load
nothing from another host, and meet the WCAG 2.1 AA points that can be checked in the markup:
a language, a skip link, a label for every field, and text contrast of at least 4.5:1."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from spinereg.registry.consent.services import consent_defaults_ensure
from spinereg.registry.instruments.services import licensed_text_load
from spinereg.registry.journey.models import Prescreen
from spinereg.registry.journey.services import candidacy_decide
from tests.registry.journey.helpers import NOW, book
from tests.registry.test_licensed_text import overlay_for
from tests.web.journey.helpers import links, prescreen_post

PAGE_BUDGET_BYTES = 100 * 1024
RESOURCE = re.compile(
    r"<(?:link|script|img|iframe|source|video|audio)\b[^>]*\b(?:href|src)=\"([^\"]*)\"", re.I
)


@pytest.fixture
def pages(client, bookable):
    """Every public page a new visitor meets, in both languages, rendered."""
    consent_defaults_ensure(clinic=bookable.north, effective_date=NOW.date())
    licensed_text_load(clinic=bookable.north, overlay=overlay_for("odi-2.1a", "en"), actor=None)
    booking = book(bookable)
    urls = links(booking)
    rendered = {}
    for language in ("en", "es"):
        for name, url in (
            ("about", "/bmac/"),
            ("clinics", "/bmac/consultation/"),
            ("book", "/bmac/consultation/north/"),
            ("manage", urls["manage"]),
            ("prescreen", urls["prescreen"]),
        ):
            rendered[f"{name}.{language}"] = client.get(f"{url}?lang={language}")
    client.post(urls["prescreen"] + "?lang=en", prescreen_post())
    candidacy_decide(
        prescreen=Prescreen.objects.get(), decision="candidate", actor=bookable.physician
    )
    for language in ("en", "es"):
        for name in ("result", "consent"):
            rendered[f"{name}.{language}"] = client.get(f"{urls[name]}?lang={language}")
    for name, response in rendered.items():
        assert response.status_code == 200, name
    return {name: response.content.decode() for name, response in rendered.items()}


def _stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_every_page_fits_the_first_load_budget(pages):
    for name, html in pages.items():
        total = len(html.encode())
        for href in _stylesheets(html):
            path = finders.find(href.removeprefix("/static/"))
            total += Path(path).stat().st_size
        assert "<script" not in html, name
        print(f"{name}: {total} bytes")  # shown with -s
        assert total <= PAGE_BUDGET_BYTES, f"{name}: {total} bytes"


def test_nothing_is_loaded_from_another_host(pages):
    for name, html in pages.items():
        for url in RESOURCE.findall(html):
            assert not re.match(r"^(https?:)?//", url), f"{name} loads {url}"
    css = Path(finders.find("web/public.css")).read_text()
    assert "@import" not in css
    assert not re.search(r"url\((?!['\"]?data:)", css)


class _Fields(HTMLParser):
    """Collects form fields and what labels them."""

    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self.open_labels = 0
        self.open_fieldsets: list[bool] = []  # has a legend
        self.lang = ""
        self.skip_link = False

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang = attributes.get("lang", "")
        elif tag == "a" and attributes.get("href") == "#main":
            self.skip_link = True
        elif tag == "label":
            self.open_labels += 1
            if "for" in attributes:
                self.label_for.add(attributes["for"])
        elif tag == "fieldset":
            self.open_fieldsets.append(False)
        elif tag == "legend" and self.open_fieldsets:
            self.open_fieldsets[-1] = True
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type") in ("hidden", "submit"):
                return
            attributes["_in_label"] = "1" if self.open_labels else ""
            attributes["_in_legend_fieldset"] = (
                "1" if self.open_fieldsets and self.open_fieldsets[-1] else ""
            )
            attributes["_tag"] = tag
            self.fields.append(attributes)

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1
        elif tag == "fieldset" and self.open_fieldsets:
            self.open_fieldsets.pop()


def test_every_field_has_a_label_and_every_page_a_language_and_skip_link(pages):
    for name, html in pages.items():
        parser = _Fields()
        parser.feed(html)
        assert parser.lang == name.rsplit(".", 1)[1], name
        assert parser.skip_link, name
        assert 'id="main"' in html
        for field in parser.fields:
            labelled = field.get("id") in parser.label_for or field["_in_label"]
            if field.get("type") in ("radio", "checkbox"):
                labelled = labelled and (field["_in_legend_fieldset"] or field.get("id"))
            assert labelled, f"{name}: unlabelled {field}"


def test_the_booking_and_pre_screen_pages_have_fields_to_check(pages):
    """Guards the label test against passing on empty pages."""
    for name, at_least in (("book.en", 7), ("prescreen.en", 30), ("consent.en", 2)):
        parser = _Fields()
        parser.feed(pages[name])
        assert len(parser.fields) >= at_least, name


def _luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_the_aa_contrast_ratio():
    css = Path(finders.find("web/public.css")).read_text()
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    backgrounds = {"white": "#ffffff", "band": colours["band"], "bad": "#fde8e6", "ok": "#e5f4ea"}
    for text in ("ink", "muted", "accent", "bad", "ok"):
        for background_name, background in backgrounds.items():
            ratio = _contrast(colours[text], background)
            assert ratio >= 4.5, f"{text} on {background_name}: {ratio:.2f}"
    assert _contrast("#ffffff", colours["accent"]) >= 4.5  # button text
    assert _contrast("#ffffff", colours["ink"]) >= 4.5  # header links


def test_a_busy_week_is_split_so_the_booking_page_stays_light(client, clinic_world, mailoutbox):
    """Eight physicians with 5-minute slots: 288 slots a day. The page lists at most 150 (a
    day this full is cut at 150; see docs/patient-journey.md)."""
    import time_machine

    from tests.factories import MembershipFactory
    from tests.registry.journey.helpers import weekday_hours

    for _ in range(8):
        physician = MembershipFactory(clinic=clinic_world.north, role="physician").user
        weekday_hours(clinic_world, physician=physician, slot_minutes=5)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/bmac/consultation/north/")
    html = response.content.decode()
    css = Path(finders.find("web/public.css")).stat().st_size
    assert len(response.content) + css <= PAGE_BUDGET_BYTES
    assert 100 <= html.count('name="slot"') <= 150
    assert 'href="?from=2026-11-03"' in html  # the next page starts on the next day
