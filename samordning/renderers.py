"""The form renderer: Django's templates, except selects and plain inputs, built in Python.

Django renders a select with one template include per option (and one more for each
option's attributes), an input with two includes. The participant list's filter has
selects of every municipality and every coordinator (290 and 1,000 at national scale)
and each admin changelist row an action checkbox: profiled, those includes were most
of the pages' time (participant list 0.5 s of 0.56 s; admin participant list 0.22 s of
0.7 s for 100 checkboxes). The HTML is the same as the templates give (after the
renderer's strip()): the same attributes in the same order, escaped the same way,
values as `stringformat:'s'`, labels localised like `{{ widget.label }}`;
tests/samordning/test_renderers.py compares the two.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# Each of these is `{% include "django/forms/widgets/input.html" %}` and nothing else.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "checkbox",
        "hidden",
        "number",
        "email",
        "password",
        "search",
        "tel",
        "url",
        "date",
        "datetime",
        "time",
        "color",
    )
)


def _escape(text: Any) -> str:
    """conditional_escape without its lazy-string wrapper, which was most of the time
    of a select of a thousand options: safe text as it is, the rest as Django's
    escape() writes it (html.escape of its str())."""
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return html.escape(str(text))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False leaves the attribute out, True writes
    its bare name."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _label(label: Any) -> str:
    return _escape(label if isinstance(label, str) else localize(label))


def render_input(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input.html."""
    markup = format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
    if widget["value"] is not None:
        markup += format_html(' value="{}"', str(widget["value"]))
    return mark_safe(markup + _attrs(widget["attrs"]) + ">")  # noqa: S308  (escaped above)


def render_select(widget: dict[str, Any]) -> SafeString:
    parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                # The option template's own closing newline.
                f"{_label(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308  (every part above is escaped)


class FormRenderer(DjangoTemplates):
    """Django's default renderer; plain inputs are built by `render_input`, selects
    whose options all use the stock option template by `render_select`."""

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        widget = context.get("widget")
        if template_name in INPUT_TEMPLATES and widget is not None:
            return render_input(widget)
        if (
            template_name == SELECT_TEMPLATE
            and widget is not None
            and all(
                option["template_name"] == OPTION_TEMPLATE
                for _name, choices, _index in widget["optgroups"]
                for option in choices
            )
        ):
            return render_select(widget)
        return super().render(template_name, context, request)
