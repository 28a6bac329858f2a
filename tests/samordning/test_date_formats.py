"""One date format for running text, one for tables (samordning/formats/).

Every page a coordinator or a manager reaches (the canary's crawl): a table cell or a
fact (`<td>`, `<dd>`) never shows "30 november 2026", and a sentence (`<p>`,
`<caption>`, a heading) never shows "2026-11-30".
"""

from __future__ import annotations

import re

import pytest
from django.utils import formats, translation

from tests.samordning.test_canary import reachable
from tests.worlds.access import Setup
from tests.worlds.access import access_fixture as access_fixture  # the fixture

MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
LONG = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b")
SHORT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CELL = re.compile(r"(?is)<(td|dd)\b[^>]*>(.*?)</\1>")
SENTENCE = re.compile(r"(?is)<(p|caption|h1|h2|h3)\b[^>]*>(.*?)</\1>")


def _text(fragment: str) -> str:
    """Text without tags (an input's ISO value is an attribute, not text)."""
    return re.sub(r"(?s)<[^>]*>", " ", fragment)


def mixed_formats(page: str) -> list[str]:
    page = re.sub(r"(?is)<(script|style|form)\b.*?</\1>", " ", page)
    wrong = [m.group(0) for _tag, cell in CELL.findall(page) for m in LONG.finditer(_text(cell))]
    for _tag, sentence in SENTENCE.findall(page):
        if "<table" in sentence or "<dl" in sentence or "<td" in sentence:
            continue
        wrong += [m.group(0) for m in SHORT.finditer(_text(sentence))]
    return wrong


def test_the_formats_come_from_the_format_module():
    day = __import__("datetime").date(2026, 11, 30)
    with translation.override("sv"):
        assert formats.date_format(day) == "30 november 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-11-30"
    with translation.override("en-gb"):
        assert formats.date_format(day) == "30 November 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-11-30"


def test_the_check_finds_mixed_formats():
    assert mixed_formats("<td>30 november 2026</td><p>Sedan 2026-11-30.</p>") == [
        "30 november 2026",
        "2026-11-30",
    ]
    assert mixed_formats("<td>2026-11-30</td><p>Sedan 30 november 2026.</p>") == []


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_tables_and_sentences_keep_their_formats(access: Setup, db: None, role: str):
    pages = {url: page for url, page in reachable(access, role).items() if "<html" in page}
    assert len(pages) > 5
    wrong = {url: found for url, page in pages.items() if (found := mixed_formats(page))}
    assert wrong == {}
