from __future__ import annotations

import datetime
import html
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from samordning.models import AuditAction, Municipality, NotificationKind, User
from samordning.prepared import rows_of
from samordning.validation import SaneDateField

# The empty first choice of a select.
BLANK: list[tuple[str, Any]] = [("", _("– Välj –"))]


def apply_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field when the form has
    that field, else as a form-wide error (never Django's ValueError for an unknown field)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class OneFetchChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """A filter's model choices read in one fetch.

    Django reads a choice queryset with `.iterator()`, which on PostgreSQL is a
    server-side cursor: DECLARE, FETCH until empty, CLOSE, three or four round trips
    for a list of a few hundred rows, and the list pages have three such selects.
    A filter's choices are short reference lists (insatser, municipalities, areas,
    the coordinators who share a caseload), so one plain query is cheaper.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class OneFetchChoiceField(django_filters.fields.ModelChoiceField):
    iterator = OneFetchChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's model choice filter, its choices read in one fetch."""

    field_class = OneFetchChoiceField


class SimpleBoundField(forms.BoundField):
    """A field of a SimpleForm, with Bootstrap's classes on its widget.

    crispy-forms gave these forms their look through a template of some forty tags
    per field, about half of the filter form's time on a list page; the fields are
    now written by templates/_fields.html and the classes put here, the same
    ones crispy-forms put (the widget's own name, form-select or form-control,
    is-invalid when the field has an error), so the HTML is the same.
    """

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> Any:
        widget = widget or self.field.widget
        bootstrap = "form-select" if isinstance(widget, forms.Select) else "form-control"
        classes = [*widget.attrs.get("class", "").split(), type(widget).__name__.lower()]
        classes += [bootstrap, "is-invalid"] if self.errors else [bootstrap]
        widget.attrs["class"] = " ".join(dict.fromkeys(classes))
        return super().build_widget_attrs(attrs, widget)


class SimpleForm(forms.Form):
    """A form of text, date, number, select and textarea fields (no checkboxes or
    radio lists), rendered by templates/_fields.html: a list's search and filters,
    or a small form repeated on a list page (the proposals' decline form)."""

    bound_field_class = SimpleBoundField


class CheckboxList(forms.CheckboxSelectMultiple):
    """A long list of checkboxes in Bootstrap's form-check markup, written in Python.

    Django's templates render a checkbox list with two includes per option and
    crispy-forms' with about forty tags per option more: the handover of a
    coordinator's caseload (a thousand people at national scale) spent 300 ms of
    its 335 there. The markup is crispy-forms' bootstrap5 one (a form-check per
    option, its label tied to it by id, `is-invalid` on every box when the field
    has an error); the template writes the fieldset, legend and errors around it.
    Flat choices only (no groups).
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        # Escaped once here; each option's value and label below (html.escape is
        # what Django's escape does, without its lazy-string wrapper per call).
        name_, id_ = html.escape(name), html.escape(final.get("id") or f"id_{name}")
        css, state = "form-check-input", ""
        if final.get("aria-invalid") == "true":
            css, state = "form-check-input is-invalid", ' aria-invalid="true"'
        ticked = {str(v) for v in self.format_value(value)}
        parts = ["<div>"]
        for index, (option, label) in enumerate(self.choices):
            key = str(option)
            checked = " checked" if key in ticked else ""
            parts.append(
                f'\n<div class="form-check"><input type="checkbox" class="{css}" name="{name_}"'
                f' value="{html.escape(key)}" id="{id_}_{index}"{checked}{state}>'
                f'<label for="{id_}_{index}" class="form-check-label">'
                f"{conditional_escape(str(label))}</label></div>"
            )
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308  (each part is escaped above)


def set_options(field: forms.Field, rows: Iterable[tuple[Any, str]]) -> None:
    """Show `rows` (value, label) as a select's options, after the field's empty
    label: options read once by the caller, not again through the field's queryset
    (which still validates a chosen value)."""
    empty = getattr(field, "empty_label", None)
    field.widget.choices = [*([("", empty)] if empty is not None else []), *rows]  # type: ignore[attr-defined]


def municipality_options() -> list[tuple[int, str]]:
    """Every municipality as (id, str()), from a query compiled once per process."""
    return [
        (pk, f"{name} ({code})")  # Municipality.__str__
        for pk, name, code in rows_of(
            lambda: Municipality.objects.values_list("pk", "name", "code"),
            key="municipality-options",
        )
    ]


class DateInput(forms.DateInput):
    """The browser's date picker; the value in ISO form, which it requires."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LoginForm(AuthenticationForm):
    """Django's login form without `autofocus`: focus starts at the top of the page, so
    Tab reaches the skip link first and a screen reader reads the page from its start."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)


class AuditReviewForm(SimpleForm):
    """Filters of the log review report. Empty means: the last 30 days, every user."""

    user = forms.ModelChoiceField(
        label=_("Användare"), queryset=User.objects.order_by("username"), required=False
    )
    date_from = SaneDateField(label=_("Från och med"), required=False)
    date_to = SaneDateField(label=_("Till och med"), required=False)
    kind = forms.ChoiceField(
        label=_("Visa"),
        required=False,
        choices=[
            ("", _("Allt som ska granskas")),
            ("outside", _("Läsningar utanför ansvaret")),
            (AuditAction.REVEAL, _("Visade personnummer")),
            (AuditAction.EXPORT, _("Exporter")),
            (AuditAction.DUPLICATE, _("Försök att registrera ett redan registrerat nummer")),
            (AuditAction.LIST, _("Listvisningar")),
            ("all", _("Alla läsningar och ändringar")),
        ],
    )
    participant = forms.IntegerField(
        label=_("Deltagare (id)"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("Allt som visade eller ändrade deltagaren, listsidor inräknade."),
    )
    search = forms.CharField(
        label=_("Sökt text"),
        required=False,
        max_length=100,
        help_text=_(
            "Listvisningar där någon sökte på just denna text. Loggen sparar inte själva "
            "texten, bara ett kontrollvärde."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=30)
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Slutdatum kan inte ligga före startdatum."))
        return data


class NotificationSettingsForm(forms.Form):
    """The kinds of mail the user wants; an unticked kind is not written at all."""

    kinds = forms.MultipleChoiceField(
        label=_("Skicka e-post om"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
