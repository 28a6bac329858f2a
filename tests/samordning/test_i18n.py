"""English through Django i18n: the source strings are Swedish; locale/en_GB holds
the (British) English.

The catalogue tests keep it complete: after `make messages`, every new Swedish string
needs an English msgstr (and no fuzzy flag) before the suite passes again, and the
committed .mo must be compiled from the committed .po.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en_GB" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

ENGLISH_LOGIN = ["Log in", "Skip to content", "Samordningsförbundet Östra Södertörn"]
SWEDISH_LOGIN = ["Logga in", "Hoppa till innehållet"]

ENGLISH_HOME = [
    "Welcome, ",
    "Log out",
    "Coordinator",
    "Register participant",
    "Available places",
    "Here you follow your participants",
]
SWEDISH_HOME = [
    "Välkommen, ",
    "Logga ut",
    "Koordinator",
    "Registrera deltagare",
    "Lediga platser",
    "Här följer du dina deltagare",
]


def switch_language(client: Client, language: str) -> None:
    """Press the language button in the header (a POST to Django's set_language)."""
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- pages --------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english_from_accept_language():
    response = Client(headers={"accept-language": "en"}).get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="en-gb">' in response.text
    for text in ENGLISH_LOGIN:
        assert text in response.text
    for text in SWEDISH_LOGIN:
        assert text not in response.text
    # Django's own catalogue translates the login form's labels.
    assert "Username" in response.text
    assert "Användarnamn" not in response.text


@pytest.mark.django_db
def test_login_page_in_swedish_by_default(client):
    response = client.get(reverse("login"))
    assert '<html lang="sv">' in response.text
    for text in SWEDISH_LOGIN:
        assert text in response.text
    for text in ENGLISH_LOGIN[:2]:
        assert text not in response.text


def test_coordinator_home_in_english_from_accept_language(coordinator):
    client = Client(headers={"accept-language": "en"})
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert '<html lang="en-gb">' in response.text
    for text in ENGLISH_HOME:
        assert text in response.text
    for text in SWEDISH_HOME:
        assert text not in response.text
    # Plural forms come from the catalogue too.
    assert "0 participants" in response.text
    assert "0 deltagare" not in response.text


def test_coordinator_home_in_english_after_switching_language(client, coordinator):
    client.force_login(coordinator)
    switch_language(client, "en-gb")
    response = client.get(reverse("home"))
    for text in ENGLISH_HOME:
        assert text in response.text
    for text in SWEDISH_HOME:
        assert text not in response.text


def test_coordinator_home_in_swedish_by_default(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    assert '<html lang="sv">' in response.text
    for text in SWEDISH_HOME:
        assert text in response.text
    for text in ENGLISH_HOME:
        assert text not in response.text
    assert "0 deltagare" in response.text


def test_switching_back_to_swedish(client, coordinator):
    client.force_login(coordinator)
    switch_language(client, "en-gb")
    switch_language(client, "sv")
    response = client.get(reverse("home"))
    assert "Välkommen, " in response.text
    assert "Welcome, " not in response.text


def test_language_switcher_works_before_login(client, db):
    switch_language(client, "en-gb")
    response = client.get(reverse("login"))
    assert "Log in" in response.text


# --- the catalogue ------------------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: list[str] = field(default_factory=list)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete `#~` entries are skipped)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if line == "":
                entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation without keyword"
            key, index = target
            if key == "msgstr":
                entry.msgstr[index] += _unquote(line)
            elif key == "msgid":
                entry.msgid += _unquote(line)
            elif key == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + _unquote(line)
        else:
            match = _KEYWORD.match(line)
            assert match, f"{path}:{number}: cannot parse {line!r}"
            key, index, value = match.groups()
            target = (key, int(index or 0))
            if key == "msgstr":
                entry.msgstr[int(index or 0)] = _unquote(value)
            elif key == "msgid":
                entry.msgid = _unquote(value)
            elif key == "msgid_plural":
                entry.msgid_plural = _unquote(value)
    return [e for e in entries if e.msgstr]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = parse_po(PO_PATH)
    assert entries[0].msgid == "", "the catalogue starts with its header"
    return entries


def test_catalogue_header_is_english_and_not_fuzzy(catalogue):
    header = catalogue[0]
    assert "fuzzy" not in header.flags
    assert "Language: en_GB\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    problems = []
    for entry in catalogue[1:]:
        expected = [0, 1] if entry.msgid_plural is not None else [0]
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        elif sorted(entry.msgstr) != expected or not all(entry.msgstr.values()):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    assert not problems, (
        "Translate these in locale/en_GB/LC_MESSAGES/django.po, then run `make messages`:\n"
        + "\n".join(problems)
    )


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]")


def test_catalogue_keeps_every_placeholder(catalogue):
    problems = []
    for entry in catalogue[1:]:
        if "python-format" not in entry.flags:
            continue
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = set().union(*(_PLACEHOLDER.findall(s) for s in sources))
        for text in entry.msgstr.values():
            if set(_PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"line {entry.line}: {entry.msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po(catalogue):
    """The .mo is committed (no gettext needed to run the app); it must not be stale."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue[1:]:
        if entry.msgid_plural is None:
            got = [compiled.gettext(entry.msgid)]
        else:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        if got != [entry.msgstr[i] for i in sorted(entry.msgstr)]:
            stale.append(f"line {entry.line}: {entry.msgid!r}")
    assert not stale, "Run `make messages` to compile the catalogue:\n" + "\n".join(stale)
