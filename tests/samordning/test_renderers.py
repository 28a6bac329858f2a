"""The selects and inputs built in Python give the HTML Django's templates give."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from samordning.renderers import FormRenderer

CHOICES = [
    ("", "Alla"),
    ("a&b", 'Citat "och" <taggar>'),
    (3, "Tre"),
    ("Grupp <1>", [("x", "Ex"), ("y", "Ypsilon")]),
    (Decimal("1.5"), 1500),
    ("d", datetime.date(2031, 3, 4)),
]


@pytest.mark.parametrize(
    ("widget", "value", "attrs"),
    [
        (forms.Select(choices=CHOICES), "a&b", {"id": "id_f", "class": "form-select"}),
        (forms.Select(choices=CHOICES), None, {"required": True, "disabled": False}),
        (forms.SelectMultiple(choices=CHOICES), ["x", "3"], {"aria-describedby": "h<"}),
        (forms.NullBooleanSelect(), True, {}),
        (forms.CheckboxInput(), True, {"class": "action-select", "aria-label": "Välj <x>"}),
        (forms.CheckboxInput(), False, {}),
        (forms.TextInput(), 'a "b" & <c>', {"maxlength": 60, "autofocus": True}),
        (forms.NumberInput(), 1500, {"step": "0.01"}),
        (forms.HiddenInput(), None, {"id": "id_h"}),
        (forms.DateInput(format="%Y-%m-%d"), datetime.date(2031, 3, 4), {}),
        (forms.PasswordInput(), "secret", {}),
    ],
)
def test_same_html_as_the_templates(widget, value, attrs):
    ours = widget.render("f", value, attrs=attrs, renderer=FormRenderer())
    django = widget.render("f", value, attrs=attrs, renderer=DjangoTemplates())
    assert ours == django
    assert ours.startswith(("<select", "<input"))


def test_a_select_with_its_own_option_template_uses_the_templates(monkeypatch):
    widget = forms.Select(choices=[("a", "A")])
    widget.option_template_name = "django/forms/widgets/input_option.html"
    calls = []
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, name, context, request=None: calls.append(name)
    )
    widget.render("f", "a", renderer=FormRenderer())
    assert calls == ["django/forms/widgets/select.html"]
