"""CheckboxList: a long list of checkboxes written in Python, as crispy-forms wrote them."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import engines

from samordning.forms import CheckboxList

CHOICES = [(3, "Anonym deltagare 3 (1985)"), (21, 'Åsa "Ö" <Berg> & Co'), (7, "Bo")]


class _Form(forms.Form):
    people = forms.MultipleChoiceField(label="Deltagare", choices=CHOICES, widget=CheckboxList)


class _CrispyForm(forms.Form):
    people = forms.MultipleChoiceField(
        label="Deltagare", choices=CHOICES, widget=forms.CheckboxSelectMultiple
    )


def _boxes(html: str) -> list[str]:
    """Each box with its label, whitespace aside."""
    html = re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html))
    return re.findall(r'<div class="form-check"><input[^>]*><label[^>]*>[^<]*</label>', html)


@pytest.mark.parametrize(
    ("data", "invalid"),
    [(None, False), ({"people": ["21", "7"]}, False), ({"people": ["99"]}, True)],
)
def test_the_boxes_are_crispy_forms_markup(data, invalid):
    ours, theirs = _Form(data), _CrispyForm(data)
    if data is None:
        ours, theirs = _Form(initial={"people": [3, 7]}), _CrispyForm(initial={"people": [3, 7]})
    else:
        assert ours.is_valid() is theirs.is_valid() is not invalid
    crispy = engines["django"].from_string(
        "{% load crispy_forms_tags %}{{ form.people|as_crispy_field }}"
    )
    expected = _boxes(crispy.render({"form": theirs}))
    written = _boxes(str(ours["people"]))
    assert written == expected
    assert len(written) == 3
    assert ("is-invalid" in written[0]) is invalid
    # Labels tied to their boxes; the text escaped.
    assert 'for="id_people_1"' in written[1] and 'id="id_people_1"' in written[1]
    assert "&lt;Berg&gt; &amp; Co" in written[1]


def test_ticked_as_given():
    html = str(_Form(initial={"people": [21]})["people"])
    assert html.count(" checked") == 1
    assert re.search(r'value="21" id="id_people_1" checked>', html)
