"""Small assertions shared by the model tests."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


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
