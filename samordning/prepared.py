"""Querysets compiled once per process and run again with other primary keys.

Compiling a queryset into SQL is Python work that grows with the query, not with the
rows: the participant list's status (a CASE over five EXISTS subqueries) took longer
to compile than to run for a page of 25 people (docs/performance.md, "List pages at
demo scale"). `rows_for_pks` compiles such a query once per shape (the database, a
key naming everything else the query depends on, and how many keys it is asked for)
and afterwards only puts the new keys into the compiled parameters.

The keys' places among the parameters are found, not assumed: the queryset is
compiled twice, for two lists of distinct negative keys, and the parameters that
differ must be exactly those keys, in order. If they are not (the query changed the
keys, or the SQL depends on them), the queryset simply runs as usual.

`rows_of` does the same for a queryset with no keys at all (a filter's options).
Their rows come straight from the database cursor: plain column values, without the
model fields' converters. Use them for values that need none (integers, text).

`instance_by_pk` reads one model instance by its primary key (the logged-in user),
through the fields' converters as the ORM does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet

MAX_SHAPES = 256

# (database alias, key, number of pks) -> (sql, parameters, places of the pks);
# None where the query cannot be prepared and runs as usual.
_shapes: dict[tuple[str, Hashable, int], tuple[str, list[Any], list[int]] | None] = {}


def _prepare(
    build: Callable[[list[int]], QuerySet[Any]], size: int, using: str
) -> tuple[str, list[Any], list[int]] | None:
    first = [-(i + 1) for i in range(size)]
    second = [-(size + i + 1) for i in range(size)]
    sql, params = build(first).query.get_compiler(using).as_sql()
    other_sql, other_params = build(second).query.get_compiler(using).as_sql()
    if sql != other_sql or len(params) != len(other_params):
        return None
    places = [i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b]
    if [params[i] for i in places] != first or [other_params[i] for i in places] != second:
        return None
    return sql, list(params), places


def rows_for_pks(
    build: Callable[[list[int]], QuerySet[Any]],
    pks: Sequence[int],
    *,
    key: Hashable,
    using: str = "default",
) -> list[tuple[Any, ...]]:
    """The rows of `build(pks)` (a values_list queryset, not flat), compiled once per shape.

    `key` must name everything besides the pks that the query's SQL or parameters
    depend on (for example the day it is asked for); the pks are made distinct.
    """
    pks = list(dict.fromkeys(pks))
    if not pks:
        return []
    shape = (using, key, len(pks))
    if shape not in _shapes:
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        _shapes[shape] = _prepare(build, len(pks), using)
    prepared = _shapes[shape]
    if prepared is None:
        return [tuple(row) for row in build(pks)]
    sql, template, places = prepared
    params = list(template)
    for place, pk in zip(places, pks, strict=True):
        params[place] = pk
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


# (database alias, key) -> (sql, parameters); None where the queryset is empty by
# construction (`.none()`), which has no SQL.
_constants: dict[tuple[str, Hashable], tuple[str, tuple[Any, ...]] | None] = {}


def rows_of(
    build: Callable[[], QuerySet[Any]], *, key: Hashable, using: str = "default"
) -> list[tuple[Any, ...]]:
    """The rows of `build()` (a values_list queryset, not flat) whose SQL and
    parameters depend on nothing but `key`, compiled once per process.

    For short reference lists read on every request, such as a filter's choices
    (insatser, municipalities): compiling the query took longer than running it.
    """
    shape = (using, key)
    if shape not in _constants:
        if len(_constants) >= MAX_SHAPES:
            _constants.clear()
        try:
            sql, params = build().query.get_compiler(using).as_sql()
        except EmptyResultSet:
            _constants[shape] = None
        else:
            _constants[shape] = (sql, tuple(params))
    prepared = _constants[shape]
    if prepared is None:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(*prepared)
        return [tuple(row) for row in cursor.fetchall()]


# (database alias, model) -> (sql, parameters, place of the pk, field names, converters)
_instances: dict[tuple[str, type[Model]], tuple[str, list[Any], int, list[str], Any] | None] = {}


def _prepare_instance[M: Model](
    model: type[M], using: str
) -> tuple[str, list[Any], int, list[str], Any] | None:
    compilers, compiled = [], []
    for probe in (-1, -2):
        compiler = model._default_manager.filter(pk=probe).query.get_compiler(using)
        compilers.append(compiler)
        compiled.append(compiler.as_sql())
    (sql, params), (other_sql, other_params) = compiled
    if sql != other_sql or len(params) != len(other_params):
        return None
    places = [i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b]
    if len(places) != 1 or params[places[0]] != -1 or other_params[places[0]] != -2:
        return None
    compiler = compilers[0]
    klass_info = compiler.klass_info
    if klass_info is None or klass_info["model"] is not model or compiler.annotation_col_map:
        return None
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    columns = [column for column, _sql, _alias in compiler.select]
    names = [column.target.attname for column in columns[first:last]]
    converters = list(compiler.get_converters(columns).items())
    return sql, list(params), places[0], names, converters


def _fits(connection: Any, model: type[Model], pk: int) -> bool:
    kind = model._meta.pk.get_internal_type()  # type: ignore[union-attr]
    if kind not in connection.ops.integer_field_ranges:
        return True
    low, high = connection.ops.integer_field_range(kind)
    return (low is None or low <= pk) and (high is None or pk <= high)


def instance_by_pk[M: Model](model: type[M], pk: Any, *, using: str = "default") -> M | None:
    """`model._default_manager.filter(pk=pk).first()`, the SQL compiled once per process.

    For the rows read on every request (the logged-in user): compiling the query
    took five times longer than running it. The row goes through the fields'
    converters, as the ORM's would; a manager whose query cannot be prepared (one
    that annotates or joins) runs as usual.
    """
    shape = (using, model)
    if shape not in _instances:
        _instances[shape] = _prepare_instance(model, using)
    prepared = _instances[shape]
    if prepared is None:
        return model._default_manager.using(using).filter(pk=pk).first()
    sql, template, place, names, converters = prepared
    connection = connections[using]
    if isinstance(pk, int) and not _fits(connection, model, pk):
        return None  # beyond the column's integers: no row, as the ORM answers
    params = list(template)
    params[place] = pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for position, (functions, expression) in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return model.from_db(using, names, values[: len(names)])
