"""Federated segmentation (A21): a query over the customer's own tables whose result becomes an
imported segment ("direct": one column, Id) or attribute updates of existing endpoints ("mutate": Id
and `Attributes.*`, `User.UserAttributes.*` or `Metrics.*` columns).

The check is input validation, not access control (that is the query role's and the workgroup's
job): the text must parse as one query (SELECT, or a set operation of SELECTs) that writes nothing,
reads only allow-listed tables of the configured database, calls no table function, and names every
output column as an endpoint field. The checked statement is rewritten so that both engines read the
same thing: tables qualified with the database, output names quoted as written (Athena lowercases
unquoted names; endpoint attribute names are case-sensitive)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from engage.audience.imports.reader import ImportMode
from engage.contacts.model import check_app_id
from engage.errors import ValidationError
from engage.segmentation.query_runs import CheckedQuery

MODES: dict[str, ImportMode] = {"direct": "members", "mutate": "update"}
UPDATE_PREFIXES = ("Attributes.", "User.UserAttributes.", "Metrics.")
QUERY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TABLE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
MAX_QUERY_CHARS = 100_000  # Athena takes 262,144 bytes; a segment query is far shorter
NAMED_QUERIES_PREFIX = "segment-queries/named/"
CATALOG = "awsdatacatalog"
_WRITES = (  # statements and clauses a reading query never holds
    *(exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Into, exp.Copy),
    *(exp.Command, exp.Set, exp.Pragma, exp.Use, exp.Attach, exp.Detach, exp.Describe),
)
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" warning: we refuse those


class QueryRefusedError(ValidationError):
    """The query is not one a segment may be built from; the reason says why."""

    def __init__(self, reason: str) -> None:
        super().__init__("Query", reason)


@dataclass(frozen=True)
class SegmentQueryRequest:
    """The workflow's input, with A21's field names."""

    app_id: str
    kind: str  # direct | mutate
    query: str | None  # a submitted query, or
    query_name: str | None  # a named one (segment-queries/named/<name>.sql in the work bucket)
    segment_name: str | None
    segment_id: str | None  # direct: the imported segment this result becomes the next version of

    @property
    def mode(self) -> ImportMode:
        return MODES[self.kind]

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> SegmentQueryRequest:
        if not isinstance(document, Mapping):
            raise ValidationError("input", "must be an object")
        app_id = check_app_id(document.get("ApplicationId"))
        kind = document.get("Type")
        if kind not in MODES:
            raise ValidationError("Type", "must be direct (a segment) or mutate (endpoint attributes)")
        query, name = document.get("Query"), document.get("QueryName")
        if (query is None) == (name is None):
            raise ValidationError("Query", "give either Query (the SQL) or QueryName (a named query)")
        if query is not None and (not isinstance(query, str) or not query.strip()):
            raise ValidationError("Query", "must be the text of a SELECT")
        if query is not None and len(query) > MAX_QUERY_CHARS:
            raise ValidationError("Query", f"is {len(query)} characters; at most {MAX_QUERY_CHARS}")
        if name is not None and (not isinstance(name, str) or not QUERY_NAME.match(name)):
            raise ValidationError("QueryName", "must be 1-64 letters, digits, _ or -")
        segment_name, segment_id = document.get("SegmentName"), document.get("SegmentId")
        if kind == "direct" and not (segment_name or segment_id):
            raise ValidationError(
                "SegmentName", "a direct query defines a segment: name it (or give SegmentId)"
            )
        if segment_name is not None and (
            not isinstance(segment_name, str) or not 1 <= len(segment_name) <= 64
        ):
            raise ValidationError("SegmentName", "must be 1 to 64 characters")
        if segment_id is not None and (kind != "direct" or not isinstance(segment_id, str) or not segment_id):
            raise ValidationError("SegmentId", "names the imported segment a direct query refreshes")
        return cls(app_id, kind, query, name, segment_name, segment_id)


def named_query_key(name: str) -> str:
    return f"{NAMED_QUERIES_PREFIX}{name}.sql"


def allowed_tables(names: Sequence[str] | str) -> frozenset[str]:
    """The allow-list as configured (a comma-separated parameter): Glue's lower-case table names."""
    items = names.split(",") if isinstance(names, str) else names
    tables = frozenset(n.strip().lower() for n in items if n.strip())
    bad = sorted(t for t in tables if not TABLE_NAME.match(t))
    if bad:
        raise ValidationError("SegmentQueryTables", f"{', '.join(bad)} are not Glue table names")
    return tables


def check_query(sql: str, database: str, tables: frozenset[str], kind: str) -> CheckedQuery:
    """The query, checked and rewritten, or QueryRefusedError with the first reason found."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        raise QueryRefusedError(f"not valid SQL{where}: {first.get('description', str(exc))}") from None
    if len(statements) != 1:
        raise QueryRefusedError(f"one statement only; found {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query) or isinstance(tree, _WRITES):
        raise QueryRefusedError(f"must be a SELECT, not {tree.key.upper()}")
    written = next(tree.find_all(*_WRITES), None)
    if written is not None:
        raise QueryRefusedError(f"must only read; it contains {written.key.upper()} ({written.sql()[:60]})")
    table_function = next(tree.find_all(exp.UDTF), None)
    if table_function is not None:
        raise QueryRefusedError(f"table functions are not allowed ({table_function.sql()[:60]})")
    read = _qualify_tables(tree, database, tables)
    columns = _name_columns(tree, kind)
    sql = tree.sql(dialect="athena")
    if kind == "direct":  # a member once, however often the query names it
        sql = f'SELECT DISTINCT "Id" FROM ({sql}) AS members'  # noqa: S608 - the checked query, wrapped
    return CheckedQuery(sql, columns, tuple(sorted(read)))


def _qualify_tables(tree: exp.Expression, database: str, tables: frozenset[str]) -> set[str]:
    read: set[str] = set()
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise QueryRefusedError(f"table functions are not allowed ({table.sql()[:60]})")
        name = table.name.lower()
        if not table.args.get("db") and _names_a_cte(table):
            continue
        catalog, db = table.catalog.lower(), table.db.lower()
        if catalog not in ("", CATALOG) or db not in ("", database.lower()):
            raise QueryRefusedError(f"{table.sql()} is outside the database {database}")
        if name not in tables:
            raise QueryRefusedError(
                f"table {name} is not one a segment query may read ({', '.join(sorted(tables))})"
            )
        table.set("catalog", None)
        table.set("db", exp.to_identifier(database.lower(), quoted=True))
        table.set("this", exp.to_identifier(name, quoted=True))
        read.add(name)
    if not read:
        raise QueryRefusedError("reads no table")
    return read


def _names_a_cte(table: exp.Table) -> bool:
    """Whether an unqualified name refers to a WITH entry where it stands, by Trino's scoping: a
    query's body sees all of its WITH entries, an entry sees only the ones before it (all of them
    under WITH RECURSIVE), and nothing outside the query sees them. Elsewhere the name is a table."""
    name = table.name.lower()
    node: exp.Expression = table
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.CTE) and isinstance(parent.parent, exp.With):
            clause = parent.parent
            entries = clause.expressions
            position = next(i for i, entry in enumerate(entries) if entry is parent)
            visible = entries if clause.args.get("recursive") else entries[:position]
            if any(entry.alias_or_name.lower() == name for entry in visible):
                return True
            node = clause.parent if clause.parent is not None else clause  # past the query owning it
            if node is clause:
                return False
            continue
        clause = parent.args.get("with_") or parent.args.get("with")
        if (
            isinstance(clause, exp.With)
            and node is not clause
            and any(entry.alias_or_name.lower() == name for entry in clause.expressions)
        ):
            return True
        node = parent
    return False


def _name_columns(tree: exp.Query, kind: str) -> tuple[str, ...]:
    names: list[str] = []
    for position, projection in enumerate(tree.selects, start=1):
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
            raise QueryRefusedError("name every column: a segment query can't SELECT *")
        named = isinstance(projection, (exp.Alias, exp.Column))
        name = _field(projection.alias_or_name if named else "", position, projection.sql()[:40])
        if name in names:
            raise QueryRefusedError(f"column {name} appears twice")
        names.append(name)
        projection.replace(exp.alias_(projection.unalias(), exp.to_identifier(name, quoted=True)))
    if names[0] != "Id":
        raise QueryRefusedError(f"the first column must be the endpoint id (… AS Id), not {names[0]}")
    if kind == "direct" and len(names) != 1:
        raise QueryRefusedError(f"a direct query selects Id alone; drop {', '.join(names[1:])}")
    if kind == "mutate" and len(names) == 1:
        raise QueryRefusedError('a mutate query sets something: add columns such as … AS "Attributes.Plan"')
    return tuple(names)


def _field(name: str, position: int, text: str) -> str:
    """An output column as the endpoint field it sets (Id, or a custom attribute, user attribute or
    metric), the prefix's spelling normalised and the name's kept."""
    if not name:
        raise QueryRefusedError(
            f'column {position} ({text}) has no name: alias it (… AS Id, … AS "Attributes.X")'
        )
    if name.lower() == "id":
        return "Id"
    for prefix in UPDATE_PREFIXES:
        if name.lower().startswith(prefix.lower()) and len(name) > len(prefix):
            return prefix + name[len(prefix) :]
    raise QueryRefusedError(
        f"column {name} is not Id or an endpoint field ({', '.join(p + '<name>' for p in UPDATE_PREFIXES)})"
    )
