"""No English in the Swedish interface: every page and download each role reaches (the
canary's crawl over the permission matrix, the admin's index, app, list, add, change,
history and delete pages included) is searched for tell-tale English strings.

Django, the admin and the third-party apps bring strings that upstream has not
translated into Swedish; `locale/sv` holds our translations of those. Text inside an
element marked `lang="en…"` (the "English" language button) is not Swedish UI.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.samordning.test_canary import reachable
from tests.worlds.access import ROLES, Setup
from tests.worlds.access import access_fixture as access_fixture  # the fixture

# Phrases that only an untranslated string would put on a Swedish page. Whole words,
# case-sensitive: "Add" and "Change" as labels, not inside Swedish words.
TELL_TALE = [
    "Select an option",
    "Filter by",
    "Note:",
    "You are",
    "Add",
    "Change",
    "Delete",
    "Save",
    "Search",
    "History",
    "Log out",
    "Logout",
    "Welcome",
    "View site",
    "Show counts",
    "Clear all filters",
    "Access attempt",
    "Access log",
    "Access failure",
    "devices",
    "TOTP",
    "Static device",
    "Home",
    "Yes",
    "No",
    "Unknown",
    "All",
    "Today",
    "Now",
    "Action",
    "Go",
    "selected",
    "results",
    "This field is required",
    "Enter a valid",
]
PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(word) for word in TELL_TALE) + r")(?![\w-])"
)


def visible_text(page: str) -> str:
    """What a reader sees or hears: text and the attributes read aloud, without scripts,
    styles, element names, and without elements marked as English."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r'(?is)<(\w+)[^>]*\blang="en[^"]*"[^>]*>.*?</\1>', " ", page)
    attributes = re.findall(r'\b(?:title|alt|aria-label|placeholder)="([^"]*)"', page)
    buttons = re.findall(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(" ".join([text, *attributes, *buttons]))


def english_on(pages: dict[str, str]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for url, page in pages.items():
        words = sorted(set(PATTERN.findall(visible_text(page))))
        if words:
            hits[url] = words
    return hits


def test_the_pattern_finds_english_and_passes_swedish():
    assert english_on({"/x": "<p>- Select an option -</p><a>Filter by start</a>"}) == {
        "/x": ["Filter by", "Select an option"]
    }
    swedish = '<p>Lägg till, Ändra, Radera</p><button lang="en">English</button>'
    assert english_on({"/x": swedish}) == {}
    assert english_on({"/x": '<button title="Delete">x</button>'}) == {"/x": ["Delete"]}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_no_english_on_any_page_a_role_reaches(access: Setup, db: None, role: str):
    pages = reachable(access, role)
    assert len(pages) > 5, pages.keys()
    assert english_on(pages) == {}
