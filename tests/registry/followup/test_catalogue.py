"""The follow-up's Spanish catalogue is complete and compiled: every string marked in the
follow-up templates and patient views has an entry, every entry is translated, and the
committed .mo says what the .po says (a stale .mo would show English to Spanish patients)."""

import ast
import gettext
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "spinereg"
CATALOGUE = SRC / "registry" / "followup" / "locale" / "es" / "LC_MESSAGES"
TEMPLATES = [
    *(SRC / "registry" / "followup" / "templates" / "followup").glob("*.txt"),
    *(SRC / "web" / "templates" / "portal").glob("*.html"),
]
VIEWS = [SRC / "web" / "portal" / "views.py", SRC / "web" / "portal" / "trajectory.py"]


def _entries() -> list[dict]:
    """msgid, msgid_plural and msgstr[...] of each entry (the file is written unwrapped)."""
    entries, current = [], None
    for line in (CATALOGUE / "django.po").read_text().splitlines():
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
        if not match:
            continue
        key, value = match.group(1), ast.literal_eval(match.group(2))
        if key == "msgid":
            current = {"msgid": value}
            entries.append(current)
        else:
            current[key] = value
    return [entry for entry in entries if entry["msgid"]]


def _marked() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES:
        text = path.read_text()
        found |= set(re.findall(r'{% translate "([^"]+)" %}', text))
        found |= set(re.findall(r"{% translate '([^']+)' %}", text))
        for body in re.findall(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}", text):
            found.add(re.sub(r"{{ (\w+) }}", r"%(\1)s", body))
    for path in VIEWS:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "ngettext"}
            ):
                found.add(ast.literal_eval(node.args[0]))
    return found


def test_every_marked_string_has_an_entry():
    entries = {entry["msgid"] for entry in _entries()}
    missing = sorted(_marked() - entries)
    assert not missing


def test_every_entry_is_translated():
    untranslated = [
        entry["msgid"]
        for entry in _entries()
        if not all(value for key, value in entry.items() if key.startswith("msgstr"))
    ]
    assert not untranslated


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries():
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 5) == entry["msgstr[2]"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
