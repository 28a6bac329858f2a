"""Small assertions shared by the model tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

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
