"""SimpleForm: filter forms and small repeated forms without crispy-forms: the same HTML,
whitespace aside."""

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
from placements.forms.enterprise import DeclineForm
from samordning.forms import AuditReviewForm, SimpleForm
from tests.factories import InsatsFactory, MunicipalityFactory, ParticipantFactory

CRISPY = (
    "{% load crispy_forms_tags %}{% for field in form %}"
    '<div class="{{ column }}">{{ field|as_crispy_field }}</div>{% endfor %}'
)
OURS = '{% include "_fields.html" with form=form column=column only %}'
# A whole form, not in columns (the proposals' decline form): crispy's |crispy filter.
CRISPY_FORM = "{% load crispy_forms_tags %}{{ form|crispy }}"
OURS_FORM = '{% include "_fields.html" with form=form only %}'


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


def _declined(data: dict[str, str]) -> forms.BaseForm:
    form = DeclineForm(data or None, prefix="d7")
    if data:
        form.is_valid()
        # A service's refusal lands on the form as a whole (apply_service_error).
        form.add_error(None, "Förslaget är redan besvarat.")
    return form


@pytest.mark.parametrize("data", [{}, {"d7-decline_reason": "", "d7-decline_note": "x" * 2001}])
def test_a_whole_form_is_the_html_crispy_forms_gave(data):
    ours = _normalised(_render(OURS_FORM, _declined(data)))
    theirs = _normalised(_render(CRISPY_FORM, _declined(data)))
    assert ours == theirs
    assert ("alert-danger" in ours) == bool(data)
    assert ('aria-invalid="true"' in ours) == bool(data)


def test_the_forms_written_by_the_fields_template_are_simple_forms():
    """The template writes labels, text and select fields only: a checkbox or a
    radio list in a filter form would need crispy-forms' other layout."""
    for form_class in (
        ParticipantFilter.Meta.form,
        FreePlacesFilter.Meta.form,
        AuditReviewForm,
        MatchPeriodForm,
        DeclineForm,
    ):
        assert issubclass(form_class, SimpleForm)
