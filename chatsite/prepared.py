"""One-row reads compiled once, then run again with each new value.

Django compiles a queryset to SQL every time it runs one. For the reads that every request
and every socket makes (the user with their profile, the room by name) compiling cost more
than running the query (bench/README.md, run O). A `Prepared` builds its queryset for the
first value, keeps the SQL and the compiler, and for later values runs the same SQL with the
new value and builds the instances as Django's own iterator does, select_related included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.where import WhereNode

M = TypeVar("M", bound=models.Model)


class Prepared(Generic[M]):
    """`build(value)`: a queryset matching one row at most, with one parameter, `value`
    itself as Django sends it (an exact match: a lookup that rewrites its value, such as
    `iexact`, is never kept). Values of another type than the first are not run prepared."""

    def __init__(self, build: Callable[[Any], models.QuerySet[M]]) -> None:
        self.build = build
        self.model: type[M] | None = None
        self.kind: type | None = None
        # Database alias -> the SQL and the compiler that made it.
        self.compiled: dict[str, tuple[str, SQLCompiler]] = {}

    def first(self, value: Any) -> M | None:
        """The first row the query finds for `value`, or None."""
        kept = None
        if self.model is not None and type(value) is self.kind:
            database = router.db_for_read(self.model)
            kept = self.compiled.get(database)
        if kept is None:
            queryset = self.build(value)
            database = queryset.db
            compiler = queryset.query.get_compiler(using=database)
            sql, params = compiler.as_sql()
            exact = _exact_only(queryset.query.where)
            if not exact or list(params) != [value] or self.kind not in (None, type(value)):
                return queryset.first()
            self.model, self.kind = queryset.model, type(value)
            self.compiled[database] = kept = (sql, compiler)
        sql, compiler = kept
        with connections[database].cursor() as cursor:
            cursor.execute(sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        (converted,) = compiler.results_iter(results=[[row]])
        return _instance(compiler, database, converted)


def _exact_only(where: WhereNode) -> bool:
    """Whether every condition is an exact match, which sends its value as it is given.
    Others may rewrite it by value (`iexact` escapes % and _ for LIKE on SQLite), so SQL
    kept from one value would be wrong for another."""
    return all(
        _exact_only(child)
        if isinstance(child, WhereNode)
        else getattr(child, "lookup_name", None) == "exact"
        for child in where.children
    )


def _instance(compiler: SQLCompiler, database: str, row: Any) -> Any:
    # As django.db.models.query.ModelIterable builds each instance.
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    instance = klass_info["model"].from_db(database, names, row[start:end])
    for populator in get_related_populators(klass_info, select, database):
        populator.populate(row, instance)
    return instance
