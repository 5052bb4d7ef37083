"""Reads on every request's path, with SQL written once instead of built by the ORM each time.

The ORM builds and compiles a query's SQL again on every run: about 1 ms of CPU on this
project's 2-core machine for a one-row lookup, more than the database takes to answer it, and
most of what authenticating a request or reading a job cost. The few reads that every API
request makes (the key, the job, its status) select their columns from a ``ModelRow`` and run
through a cursor; each row becomes a model instance through the fields' own database
converters, as the ORM would build it. Everything else uses the ORM. The tests compare these
reads with their ORM equivalents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models

Converter = Callable[[Any, Any, Any], Any]


class ModelRow:
    """The concrete columns of ``model`` under a table alias, and how to turn them back into an
    instance. Column names come from the model's options, so a renamed column follows."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._pk_index = self.fields.index(model._meta.pk)
        self._converters: dict[str, list[tuple[Any, list[Converter]]]] = {}

    def source(self, using: str) -> str:
        """``table alias`` for a FROM or JOIN clause."""
        return f"{connections[using].ops.quote_name(self.model._meta.db_table)} {self.alias}"

    def __len__(self) -> int:
        return len(self.fields)

    def columns(self, using: str) -> str:
        """``alias.col1, alias.col2, ...`` quoted for the connection ``using``."""
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def column(self, name: str, using: str) -> str:
        """One quoted column, by field name."""
        quote = connections[using].ops.quote_name
        return f"{self.alias}.{quote(self.model._meta.get_field(name).column)}"

    def build(self, values: Sequence[Any], using: str) -> models.Model | None:
        """The instance for one row's columns in ``columns()`` order; None when the primary key
        is NULL (the unmatched side of an outer join)."""
        connection = connections[using]
        converted = []
        for value, (column, converters) in zip(values, self._for(using), strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            converted.append(value)
        if converted[self._pk_index] is None:
            return None
        return self.model.from_db(using, self.attnames, converted)

    def _for(self, using: str) -> list[tuple[Any, list[Converter]]]:
        # The backend's converters, then the field's (from_db_value), as the ORM's compiler.
        if using not in self._converters:
            connection = connections[using]
            pairs = []
            for field in self.fields:
                column = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(column)
                pairs.append((column, converters + column.get_db_converters(connection)))
            self._converters[using] = pairs
        return self._converters[using]


def fetch_one(using: str, sql: str, params: Sequence[Any]) -> tuple | None:
    """The first row of a query on the connection ``using``, or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def pk_param(model: type[models.Model], value: Any, using: str) -> Any:
    """A primary key value as the database stores it (a UUID is hex text on SQLite)."""
    return model._meta.pk.get_db_prep_value(value, connections[using])
