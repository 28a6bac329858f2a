"""rows_for_pks: a queryset compiled once per shape, run again with other keys."""

from __future__ import annotations

import pytest
from django.db.models import Q

from samordning import prepared
from samordning.models import User
from samordning.prepared import rows_for_pks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_shapes():
    prepared._shapes.clear()
    yield
    prepared._shapes.clear()


def named(pks):
    return User.objects.filter(pk__in=pks, is_active=True).values_list("pk", "username")


def test_rows_are_the_querysets_for_each_list_of_keys(django_assert_num_queries):
    users = [UserFactory(username=f"u{i}") for i in range(5)]
    UserFactory(username="gone", is_active=False)
    gone = User.objects.get(username="gone")
    for pks in ([users[0].pk], [users[1].pk, users[2].pk, gone.pk], [users[3].pk, users[4].pk]):
        assert sorted(rows_for_pks(named, pks, key="named")) == sorted(named(pks))
    # Three shapes were prepared (one, three and two keys); each runs one query after that.
    assert set(prepared._shapes) == {("default", "named", n) for n in (1, 2, 3)}
    pks = [users[4].pk, users[0].pk]
    with django_assert_num_queries(1):
        rows = rows_for_pks(named, pks, key="named")
    assert sorted(rows) == sorted(named(pks))


def test_repeated_keys_count_once_and_no_keys_no_query(django_assert_num_queries):
    user = UserFactory()
    assert rows_for_pks(named, [user.pk, user.pk], key="named") == [(user.pk, user.username)]
    with django_assert_num_queries(0):
        assert rows_for_pks(named, [], key="named") == []


def test_other_values_are_part_of_the_key_not_the_keys():
    a, b = UserFactory(username="anna"), UserFactory(username="bo")

    def starting(letter):
        return lambda pks: User.objects.filter(pk__in=pks, username__startswith=letter).values_list(
            "pk"
        )

    assert rows_for_pks(starting("a"), [a.pk, b.pk], key=("starting", "a")) == [(a.pk,)]
    assert rows_for_pks(starting("b"), [a.pk, b.pk], key=("starting", "b")) == [(b.pk,)]


def test_a_query_whose_sql_hides_the_keys_runs_as_usual():
    """Keys that do not come back as parameters (here: not used at all) cannot be
    prepared; the queryset runs as it is, and its answer is still right."""
    a, b = UserFactory(username="anna"), UserFactory(username="bo")

    def everyone(pks):
        return User.objects.filter(Q(username__in=["anna", "bo"])).values_list("pk")

    assert sorted(rows_for_pks(everyone, [a.pk], key="everyone")) == sorted([(a.pk,), (b.pk,)])
    assert prepared._shapes[("default", "everyone", 1)] is None


def test_rows_of_a_constant_queryset_compiled_once(django_assert_num_queries, monkeypatch):
    prepared._constants.clear()
    UserFactory(username="a")
    UserFactory(username="b", is_active=False)

    def active():
        return User.objects.filter(is_active=True).order_by("username").values_list("username")

    assert prepared.rows_of(active, key="active") == list(active())
    UserFactory(username="c")
    compiled = []
    monkeypatch.setattr(
        "django.db.models.sql.compiler.SQLCompiler.as_sql",
        lambda *args, **kwargs: compiled.append(1),
    )
    with django_assert_num_queries(1):
        # The rows of now, from the SQL compiled before.
        assert [name for (name,) in prepared.rows_of(active, key="active")] == ["a", "c"]
    assert compiled == []
    monkeypatch.undo()
    # A queryset empty by construction has no SQL and no rows.
    assert prepared.rows_of(User.objects.none, key="none") == []
    prepared._constants.clear()
