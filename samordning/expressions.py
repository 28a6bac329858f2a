"""Query expressions the ORM lacks."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, F, Func, QuerySet, Subquery


class InSubquery(Func):
    """`column IN (subquery)`, written for PostgreSQL as `column = ANY(ARRAY(subquery))`.

    The same rows; the difference is the plan. PostgreSQL cannot estimate how many
    values the array holds, so it runs the subquery once and looks the rows up by the
    column's index, where `IN (subquery)` let it estimate (badly) and hash-join against
    a sequential scan of the whole table: the invoice basis of all enterprises, 64,000
    placements of a month out of 5 million, went from 5 s to 0.3 s at national scale.
    Use it for a large table filtered by a subquery much smaller than the table.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, subquery: QuerySet[Any]) -> None:
        super().__init__(F(column), Subquery(subquery))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        lhs, lhs_params = compiler.compile(column)
        rhs, rhs_params = compiler.compile(subquery)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        lhs, lhs_params = compiler.compile(column)
        rhs, rhs_params = compiler.compile(subquery)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
