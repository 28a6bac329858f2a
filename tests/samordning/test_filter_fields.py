"""The list pages' filter forms without crispy-forms: the same HTML, whitespace aside."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.template import engines
from django.test import RequestFactory

from participants.models import Participant
from placements.filters import ParticipantFilter
from placements.forms.coordinator import FreePlacesFilter, MatchPeriodForm
from samordning.forms import AuditReviewForm, FilterForm
from tests.factories import InsatsFactory, MunicipalityFactory, ParticipantFactory

CRISPY = (
    "{% load crispy_forms_tags %}{% for field in form %}"
    '<div class="{{ column }}">{{ field|as_crispy_field }}</div>{% endfor %}'
)
OURS = '{% include "_filter_fields.html" with form=form column=column only %}'


def _normalised(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*([<>])\s*", r"\1", html).strip()


def _render(source: str, form: forms.BaseForm) -> str:
    return engines["django"].from_string(source).render({"form": form, "column": "col-4"})


def _participant_filter(data: dict[str, str], user: Any) -> forms.BaseForm:
    request = RequestFactory().get("/deltagare/", data)
    request.user = user
    filterset = ParticipantFilter(request.GET, queryset=Participant.objects.all(), request=request)
    filterset.qs  # noqa: B018  (validates the form, as the view does)
    return filterset.form


def _free_places(data: dict[str, str], user: Any) -> forms.BaseForm:
    filterset = FreePlacesFilter(data)
    filterset.is_valid()
    return filterset.form


def _validated(form_class: type[forms.Form]) -> Callable[[dict[str, str], Any], forms.BaseForm]:
    def build(data: dict[str, str], user: Any) -> forms.BaseForm:
        form = form_class(data or None)
        form.is_valid()
        return form

    return build


@pytest.mark.parametrize(
    ("build", "data"),
    [
        (_participant_filter, {}),
        (_participant_filter, {"q": "Anna", "status": "active", "sort": "-name"}),
        # Errors: a search too long, choices that do not exist.
        (_participant_filter, {"q": "x" * 61, "status": "nej", "municipality": "999999"}),
        (_free_places, {"start": "2031-03-04", "end": "2031-06-01", "extent": "50"}),
        # Required fields missing, and a period that ends before it starts.
        (_free_places, {}),
        (_free_places, {"start": "2031-03-04", "end": "2031-01-01"}),
        (_validated(AuditReviewForm), {}),
        (_validated(AuditReviewForm), {"participant": "0", "date_from": "igår"}),
        (_validated(MatchPeriodForm), {"start": "2031-03-04", "end": "2031-09-01"}),
        (_validated(MatchPeriodForm), {"start": "", "end": "fel"}),
    ],
)
def test_the_filter_fields_are_the_html_crispy_forms_gave(coordinator, build, data):
    MunicipalityFactory()
    InsatsFactory()
    ParticipantFactory(coordinators=[coordinator])
    ours = _normalised(_render(OURS, build(data, coordinator)))
    theirs = _normalised(_render(CRISPY, build(data, coordinator)))
    assert ours == theirs
    # The comparison covers labels tied to fields and errors where the form has some.
    assert 'for="id_' in ours
    assert ("invalid-feedback" in ours) == bool(build(data, coordinator).errors)


def test_every_filter_form_of_a_list_page_is_a_filter_form():
    """The template writes labels, text and select fields only: a checkbox or a
    radio list in a filter form would need crispy-forms' other layout."""
    for form_class in (
        ParticipantFilter.Meta.form,
        FreePlacesFilter.Meta.form,
        AuditReviewForm,
        MatchPeriodForm,
    ):
        assert issubclass(form_class, FilterForm)
