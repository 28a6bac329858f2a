"""Small assertions and harnesses shared by the model and admin tests."""

from __future__ import annotations

import datetime
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from samordning.models import AuditLog


@contextmanager
def breaks_constraint() -> Iterator[None]:
    """The block's direct ORM write is refused by the database."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def clean_errors(obj: object) -> dict[str, list[str]]:
    """full_clean()'s messages by field; {} when the object is valid."""
    try:
        obj.full_clean()  # type: ignore[attr-defined]
    except ValidationError as error:
        return error.message_dict
    return {}


def named_constraints(app_label: str) -> set[str]:
    return {
        constraint.name
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    }


def assert_each_constraint_tested(app_label: str, module_name: str) -> None:
    """Every named constraint of the app has a `test_constraint_<name>` in the module."""
    module = sys.modules[module_name]
    missing = {
        name
        for name in named_constraints(app_label)
        if not hasattr(module, f"test_constraint_{name}")
    }
    assert missing == set()


LONG_AGO = datetime.date(1, 1, 1)
FAR_AHEAD = datetime.date(9999, 12, 31)


def breaks_date_range(obj: Any, field: str, value: Any = LONG_AGO) -> None:
    """A direct ORM write of `value` into `field` is refused by the field's own
    `<prefix>_<field>_in_range` check (and not by another constraint)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        model_field = type(obj)._meta.get_field(field)
        if model_field.get_internal_type() == "DateTimeField":
            value = datetime.datetime.combine(value, datetime.time(12), tzinfo=datetime.UTC)
    with pytest.raises(IntegrityError, match=f"{field}_in_range"), transaction.atomic():
        type(obj)._default_manager.filter(pk=obj.pk).update(**{field: value})


def write_at_once(
    first_write: Callable[[], object], second_write: Callable[[], object]
) -> list[str]:
    """Run two writes in two threads, each in its own transaction, overlapping: the
    first writes and holds its transaction open half a second; the second writes
    meanwhile. The errors either raised, as text ([] when both committed)."""
    first_written = threading.Event()
    errors: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                first_write()
                first_written.set()
                time.sleep(0.5)  # the second writes meanwhile
        except Exception as error:  # noqa: BLE001 - the caller asserts on any escape
            errors.append(f"first: {type(error).__name__}: {error}")
            first_written.set()
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(timeout=30)
            with transaction.atomic():
                second_write()
        except Exception as error:  # noqa: BLE001 - the caller asserts on any escape
            errors.append(f"second: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    connection.close()
    return errors


def last_audit_pk() -> int:
    """The newest audit row's id (0 for none): a mark to count the rows written after."""
    last = AuditLog.objects.order_by("-pk").first()
    return last.pk if last else 0


def audit_rows_about(participant: Any, since: int) -> int:
    """How many audit rows written after the mark `since` name the participant (among
    the people shown, or as the row's object)."""
    return (
        AuditLog.objects.filter(pk__gt=since)
        .filter(
            Q(subjects__contains=f",{participant.pk},")
            | Q(object_type="participants.participant", object_id=str(participant.pk))
        )
        .count()
    )


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit for the page's main form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n")


def submitted_form(html: str) -> dict[str, list[str]]:
    """What a browser would submit from an admin page as rendered (every input,
    select and textarea with its value), without the search box and actions."""
    parser = _FormFields()
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if k not in ("q", "action")}


def office_client(username: str = "kansli") -> Any:
    """A test client logged in as an association admin with the Django admin."""
    from django.test import Client

    from samordning.policy import Role
    from tests.factories import UserFactory

    client = Client()
    client.force_login(
        UserFactory(username=username, roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    )
    return client


def page_form(client: Any, url: str) -> dict[str, list[str]]:
    """The form of the admin page at `url`, as a browser would submit it unchanged."""
    page = client.get(url)
    assert page.status_code == 200
    return submitted_form(page.text)


def inline_field(data: dict[str, list[str]], obj: Any, name: str) -> str:
    """The name of `obj`'s field `name` in an admin page's inline rows (`page_form`)."""
    prefix = next(k for k, v in data.items() if k.endswith("-id") and v == [str(obj.pk)])
    return prefix[: -len("id")] + name
