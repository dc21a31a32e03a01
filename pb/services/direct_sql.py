"""Core statements run straight on the database driver, for the few on pb's busiest path.

Casting a ballot is three statements (read the round and voter, write the voter-roll
row, write the ballot row). Measured on PostgreSQL, SQLAlchemy's execution layer adds
60–100 µs of CPU to each statement, more than the driver's own round trip; on SQLite
that time is spent holding the database's only write lock. `DirectStatement` keeps what
SQLAlchemy is for — the statement is built and compiled by it, for whichever database
is in use, bound and result values go through the column types' own conversions, and
the transaction is the SQLAlchemy connection's — and runs the compiled SQL on that
connection's driver cursor. Driver errors are raised as SQLAlchemy's (IntegrityError,
OperationalError …), as `Connection.execute` would raise them.

Only for statements whose values are all given: an INSERT that would need a column's
Python-side default is refused when the statement is defined.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # bind names in order, for drivers with positional parameters
    escaped: Mapping[str, str]          # bind name -> the name in the SQL, where the compiler changed it
    literal_values: Mapping[str, Any]   # values the statement itself carries (a constant in a WHERE)
    bind_processors: tuple[tuple[str, Callable], ...]
    result_processors: tuple[Callable | None, ...] | None  # None: the statement returns no rows


class DirectStatement:
    """A Core statement compiled once per dialect and executed on the driver's cursor."""

    def __init__(self, statement, *, column_keys: Sequence[str] | None = None):
        if isinstance(statement, Insert):
            if column_keys is None:
                raise ValueError("an INSERT needs the column_keys it is given")
            missing = [c.key for c in statement.table.columns if c.default is not None and c.key not in column_keys]
            if missing:
                raise ValueError(f"columns with Python-side defaults must be given: {', '.join(missing)}")
        self.statement = statement
        # The names of a SELECT's columns, in the order of each returned row.
        self.keys: tuple[str, ...] = (
            tuple(statement.selected_columns.keys()) if getattr(statement, "is_select", False) else ()
        )
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        c = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
        sql = c.string
        # Constants the compiler leaves to be written into the SQL at execution time are written in now.
        for bind in c.literal_execute_params:
            literal = c.render_literal_value(bind.effective_value, bind.type)
            sql = sql.replace(f"__[POSTCOMPILE_{c.bind_names[bind]}]", literal)
        rendered = {c.bind_names[bind] for bind in c.literal_execute_params}
        literal_values = {name: bind.effective_value for name, bind in c.binds.items()
                          if not bind.required and name not in rendered}
        bind_processors = []
        for name, bind in c.binds.items():
            if name in rendered:
                continue
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                bind_processors.append((name, process))
        result_processors = None
        if getattr(self.statement, "is_select", False):
            result_processors = tuple(
                col.type.dialect_impl(dialect).result_processor(dialect, None)
                for col in self.statement.selected_columns
            )
        compiled = _Compiled(
            sql=sql,
            positional=tuple(name for name in c.positiontup if name not in rendered) if c.positional else None,
            escaped=dict(c.escaped_bind_names or {}),
            literal_values=literal_values,
            bind_processors=tuple(bind_processors),
            result_processors=result_processors,
        )
        self._compiled[key] = compiled
        return compiled

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple] | None:
        """Run on `conn`'s driver connection, inside its transaction; the rows for a SELECT, else None."""
        c = self._compile(conn.dialect)
        values = {**c.literal_values, **params}
        for name, process in c.bind_processors:
            values[name] = process(values[name])
        if c.positional is not None:
            args: Any = tuple(values[name] for name in c.positional)
        else:
            args = {c.escaped.get(name, name): value for name, value in values.items()}
        dbapi_connection = conn.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(c.sql, args)
            if c.result_processors is None:
                return None
            processors = c.result_processors
            return [
                tuple(value if process is None else process(value) for process, value in zip(processors, row))
                for row in cursor.fetchall()
            ]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise as_sqlalchemy_error(conn, exc, c.sql, args, cursor) from exc
        finally:
            cursor.close()


def as_sqlalchemy_error(conn: Connection, exc: Exception, statement: str | None = None, params: Any = None,
                        cursor: Any = None) -> DBAPIError:
    """A driver error on `conn` as SQLAlchemy's, as Connection.execute would raise it.

    A lost connection is invalidated first, so the pool discards it and the error keeps the
    server's own message (a rollback on the dead connection would otherwise replace it).
    """
    invalidated = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
    if invalidated:
        conn.invalidate(exc)
    return DBAPIError.instance(statement, params, exc, conn.dialect.loaded_dbapi.Error,
                               hide_parameters=conn.engine.hide_parameters,  # never a ballot's values in a log
                               connection_invalidated=invalidated, dialect=conn.dialect)
