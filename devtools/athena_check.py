"""Checks the event lake's SQL as Athena reads it, against the Glue schemas the stack deploys.

What is checked: every view of the events template's `Custom::LakeViews` resource (as the statement
the resource runs, `CREATE OR REPLACE VIEW "name" AS <sql>`, in the template's order), every
documented query (each ```sql block of the docs and each `engage events query "<SQL>"` in their
code blocks) and the campaign report's queries (engage_cli/lake/report.py, run on Athena with
`--aws`). Each is

- parsed strictly in sqlglot's `athena` dialect, which reads queries as Athena engine v3 (Trino)
  does: a parse error fails, and so does sqlglot's fallback to an opaque `Command`; constructs
  sqlglot's Trino parser tolerates but Athena rejects (DuckDB's `::` casts, `{...}` struct and
  `[...]` list literals, `FROM`-first selects, `* EXCLUDE`, `GROUP BY ALL`, `ILIKE`, list
  comprehensions, functions Trino doesn't have) fail too, as does anything Athena's generator
  can't write;
- resolved against a schema built from the Glue tables (`StorageDescriptor.Columns` and
  `PartitionKeys`, their Hive type strings parsed to nested types) and the output columns of the
  views created before it: an unknown table, an unknown column (sqlglot's qualify) or an unknown
  struct field (a walk of every `a.b.c` access: qualify does not look inside structs) fails,
  naming the view or query. Names are matched case-insensitively, as Athena does.

    python -m devtools.athena_check   exit 1 listing every problem
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

from devtools.template import app_template

ROOT = Path(__file__).resolve().parents[1]
LAKE_APP = "lake"  # the nested application declaring the Glue tables and the views
DIALECT = "athena"  # sqlglot reads Athena's DML as Trino's (engine v3), its DDL as Hive's

# Trino functions (Athena engine v3) that sqlglot parses as unknown functions. Any other unknown
# function fails: most likely a DuckDB one (strftime, epoch_ms, list_value, regexp_matches...).
# Add a name only after finding it in Trino's function list.
_TRINO_FUNCTION_NAMES = """
    all_match any_match approx_most_frequent approx_set array_histogram array_union
    arrays_overlap at_timezone bit_count checksum codepoint combinations contains_sequence crc32
    e every format_datetime from_unixtime_nanos geometric_mean hamming_distance histogram
    hmac_sha256 human_readable_seconds infinity is_finite is_infinite is_json_scalar
    json_array_get json_array_length json_size luhn_check map_agg map_concat map_entries
    map_filter map_union map_values map_zip_with merge millisecond multimap_agg
    multimap_from_entries murmur3 nan ngrams none_match numeric_histogram parse_duration
    regexp_position spooky_hash_v2_64 split_to_multimap timezone_hour timezone_minute to_base
    to_iso8601 to_milliseconds transform_keys transform_values trim_array url_decode url_encode
    url_extract_fragment url_extract_host url_extract_parameter url_extract_path
    url_extract_port url_extract_protocol url_extract_query with_timezone word_stem xxhash64 yow
    zip zip_with
"""
TRINO_FUNCTIONS = frozenset(_TRINO_FUNCTION_NAMES.split())
# Tokens after which `[` opens a list literal (DuckDB's), not a subscript.
_OPERAND_START = {
    *(TokenType.COMMA, TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.SELECT, TokenType.EQ),
    *(TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE, TokenType.PLUS),
    *(TokenType.DASH, TokenType.STAR, TokenType.SLASH, TokenType.MOD, TokenType.DPIPE, TokenType.IN),
    *(TokenType.THEN, TokenType.ELSE, TokenType.WHEN, TokenType.AND, TokenType.OR, TokenType.NOT),
    *(TokenType.IS, TokenType.LIKE, TokenType.BETWEEN, TokenType.ARROW, TokenType.WHERE),
    *(TokenType.HAVING, TokenType.ON),
}
_QUERY_COMMAND = re.compile(r"\bengage\s+events\s+query\b")
_FENCE = re.compile(r"^\s*```\s*([\w+-]*)")


class AthenaSqlError(ValueError):
    """A statement Athena would refuse; `where` names the view or query."""

    def __init__(self, where: str, problems: Iterable[str]) -> None:
        self.where = where
        self.problems = list(problems)
        super().__init__(f"{where}: {'; '.join(self.problems)}")


@dataclass(frozen=True)
class Statement:
    where: str  # "view email_send", "README.md:943", ...
    sql: str
    view: str | None = None  # the view's name when it is one


# --- the Glue schemas -------------------------------------------------------------------------


def hive_type(text: str) -> exp.DataType:
    """A Glue column Type (Hive's spelling: `struct<a:string,b:map<string,array<int>>>`) as a
    sqlglot type, struct field names lower case (Athena matches them case-insensitively)."""
    text = text.strip()
    low = text.lower()
    for kind in ("struct", "array", "map"):
        if low.startswith(f"{kind}<"):
            if not text.endswith(">"):
                raise ValueError(f"unbalanced type {text!r}")
            inner = _split_top(text[len(kind) + 1 : -1])
            if kind == "array" and len(inner) == 1:
                return exp.DataType(this=exp.DType.ARRAY, expressions=[hive_type(inner[0])], nested=True)
            if kind == "map" and len(inner) == 2:
                return exp.DataType(
                    this=exp.DType.MAP, expressions=[hive_type(t) for t in inner], nested=True
                )
            if kind == "struct" and inner:
                fields = []
                for field in inner:
                    name, colon, field_type = field.partition(":")
                    if not colon or not name.strip():
                        raise ValueError(f"struct field {field!r} has no name:type in {text!r}")
                    fields.append(
                        exp.ColumnDef(
                            this=exp.to_identifier(name.strip().strip("`").lower()),
                            kind=hive_type(field_type),
                        )
                    )
                return exp.DataType(this=exp.DType.STRUCT, expressions=fields, nested=True)
            raise ValueError(f"malformed type {text!r}")
    if not re.fullmatch(r"[a-z]+(\(\d+(,\s*\d+)?\))?", low):
        raise ValueError(f"unknown type {text!r}")
    try:
        built = exp.DataType.build(low, dialect="hive")
    except SqlglotError as exc:
        raise ValueError(f"unknown type {text!r}") from exc
    if built.is_type(exp.DType.USERDEFINED, exp.DType.UNKNOWN):
        raise ValueError(f"unknown type {text!r}")
    return built


def _split_top(text: str) -> list[str]:
    """`a:int,b:map<string,int>` -> ["a:int", "b:map<string,int>"]: commas outside <> and ()."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced type {text!r}")
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError(f"unbalanced type {text!r}")
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def _resources(app: str) -> dict[str, Any]:
    return app_template(app)["Resources"]


def glue_schema(app: str = LAKE_APP) -> dict[str, dict[str, exp.DataType]]:
    """{table: {column: type}} of the template's AWS::Glue::Table resources, partition keys
    included, names lower case."""
    schema: dict[str, dict[str, exp.DataType]] = {}
    for logical_id, resource in _resources(app).items():
        if resource.get("Type") != "AWS::Glue::Table":
            continue
        table = resource["Properties"]["TableInput"]
        columns = [*table["StorageDescriptor"]["Columns"], *table.get("PartitionKeys", [])]
        try:
            schema[table["Name"].lower()] = {c["Name"].lower(): hive_type(c["Type"]) for c in columns}
        except ValueError as exc:
            raise ValueError(f"{logical_id}: {exc}") from exc
    return schema


# --- what is checked --------------------------------------------------------------------------


def template_views(app: str = LAKE_APP) -> list[Statement]:
    """The views of the template's Custom::LakeViews resources, in their order, as the statements
    the custom resource runs (engage.lake.views)."""
    found = []
    for resource in _resources(app).values():
        if resource.get("Type") != "Custom::LakeViews":
            continue
        for view in resource["Properties"]["Views"]:
            name, sql = view["Name"], view["Sql"].strip().rstrip(";")
            found.append(Statement(f"view {name}", f'CREATE OR REPLACE VIEW "{name}" AS\n{sql}', name))
    return found


def markdown_queries(path: Path, root: Path = ROOT) -> list[Statement]:
    """Every statement of each ```sql block of a markdown file and every
    `engage events query "<SQL>"` in its other code blocks; `SELECT ...` placeholders are skipped."""
    found = []
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    for start, language, lines in _fenced_blocks(path.read_text()):
        if language.lower() == "sql":
            found += [Statement(f"{label}:{start + line}", sql) for line, sql in _split("\n".join(lines))]
            continue
        for offset, line in _joined_lines(lines):
            sql = _query_argument(line)
            if sql is not None and not _placeholder(sql):
                found.append(Statement(f"{label}:{start + offset}", sql))
    return found


def _split(sql: str) -> list[tuple[int, str]]:
    """The statements of a block of SQL (at its top-level semicolons), each with the offset of its
    first line; the whole block when it can't be tokenized (the check then says why)."""
    try:
        tokens = sqlglot.tokenize(sql, read=DIALECT)
    except SqlglotError:
        return [(0, sql)]
    statements, begin = [], 0
    for token in [*(t for t in tokens if t.token_type == TokenType.SEMICOLON), None]:
        end = token.start if token else len(sql)
        text = sql[begin:end]
        if text.strip():
            leading = len(text) - len(text.lstrip())
            statements.append((sql.count("\n", 0, begin + leading), text.strip()))
        begin = end + 1
    return statements


def _fenced_blocks(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line number of the block's first line, language, lines) of each fenced code block."""
    block: list[str] | None = None
    language, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(line)
        if block is None and fence:
            block, language, start = [], fence.group(1), number + 1
        elif block is not None and line.strip().startswith("```"):
            yield start, language, block
            block = None
        elif block is not None:
            block.append(line)


def _joined_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Shell lines with their `\\` continuations joined, each with its first line's offset."""
    pending, first = "", 0
    for offset, line in enumerate(lines):
        if not pending:
            first = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield first, pending + line
        pending = ""
    if pending:
        yield first, pending


def _query_argument(line: str) -> str | None:
    """The SQL of an `engage events query` command line: its argument that holds a space."""
    match = _QUERY_COMMAND.search(line)
    if not match:
        return None
    try:
        words = shlex.split(line[match.end() :], comments=True)
    except ValueError:
        return None
    return next((w for w in words if not w.startswith("-") and " " in w.strip()), None)


def _placeholder(sql: str) -> bool:
    return "..." in sql or "…" in sql or "<SQL>" in sql


def documented_queries(root: Path = ROOT) -> list[Statement]:
    """The queries of README.md and every markdown file under docs/ and sql/."""
    paths = [
        root / "README.md",
        *sorted((root / "docs").rglob("*.md")),
        *sorted((root / "sql").rglob("*.md")),
    ]
    return [q for path in paths if path.exists() for q in markdown_queries(path, root)]


def report_queries() -> list[Statement]:
    """The campaign report's queries (they run on Athena with `engage events report --aws`), with
    the application filter it adds."""
    from engage_cli.lake import report

    where = "AND application_id = 'app-1'"
    return [
        Statement(f"engage_cli/lake/report.py {name}", value.format(where=where))
        for name, value in vars(report).items()
        if name.isupper() and isinstance(value, str) and re.match(r"\s*(SELECT|WITH)\b", value, re.I)
    ]


# --- the check --------------------------------------------------------------------------------


def parse(statement: Statement) -> exp.Query:
    """The statement's query, parsed strictly as Athena reads it (AthenaSqlError if it can't be)."""
    where = statement.where
    try:
        trees = [t for t in sqlglot.parse(statement.sql, read=DIALECT, error_level=ErrorLevel.IMMEDIATE) if t]
    except SqlglotError as exc:
        raise AthenaSqlError(where, [f"Athena can't parse it: {str(exc).splitlines()[0]}"]) from exc
    if len(trees) != 1:
        raise AthenaSqlError(where, [f"holds {len(trees)} statements, not one"])
    (tree,) = trees
    if any(isinstance(node, exp.Command) for node in tree.walk()):
        raise AthenaSqlError(where, ["Athena can't parse it (sqlglot fell back to an opaque command)"])
    if statement.view is not None:
        if not (
            isinstance(tree, exp.Create) and tree.kind == "VIEW" and isinstance(tree.expression, exp.Query)
        ):
            raise AthenaSqlError(where, ["is not CREATE VIEW ... AS SELECT"])
        query = tree.expression
    elif isinstance(tree, exp.Query):
        query = tree
    else:
        raise AthenaSqlError(where, [f"is a {tree.key.upper()} statement, not a query"])
    problems = [*_token_problems(statement.sql), *_syntax_problems(query)]
    if not problems:
        try:
            query.sql(dialect=DIALECT, unsupported_level=ErrorLevel.RAISE)
        except SqlglotError as exc:
            problems.append(f"Athena has no equivalent: {exc}")
    if problems:
        raise AthenaSqlError(where, problems)
    return query


def _token_problems(sql: str) -> list[str]:
    try:
        tokens: list[Token] = sqlglot.tokenize(sql, read=DIALECT)
    except SqlglotError as exc:
        return [f"Athena can't read it: {exc}"]
    problems = []
    types = [t.token_type for t in tokens]
    if TokenType.DCOLON in types:
        problems.append("`x::type` is DuckDB's cast; Athena writes CAST(x AS type)")
    if TokenType.L_BRACE in types:
        problems.append("`{...}` is DuckDB's struct literal; Athena writes CAST(ROW(...) AS ROW(...))")
    for previous, token in zip([None, *tokens], tokens, strict=False):
        if token.token_type == TokenType.L_BRACKET and (
            previous is None or previous.token_type in _OPERAND_START
        ):
            problems.append(
                f"`[...]` at line {token.line} is DuckDB's list literal; Athena writes ARRAY[...]"
            )
    if types and types[0] == TokenType.FROM:
        problems.append("`FROM ... SELECT` is DuckDB's; Athena selects first")
    return problems


def _syntax_problems(query: exp.Query) -> list[str]:
    problems = []
    for node in query.walk():
        if isinstance(node, exp.Star) and any(
            node.args.get(k) for k in ("except_", "except", "replace", "rename")
        ):
            problems.append(f"`{node.sql(DIALECT)}`: Athena's * takes no EXCLUDE, EXCEPT or REPLACE")
        elif isinstance(node, exp.Columns):
            problems.append("COLUMNS(...) is DuckDB's; Athena names its columns")
        elif isinstance(node, exp.Group) and node.args.get("all"):
            problems.append("GROUP BY ALL is DuckDB's; Athena groups by named columns or positions")
        elif isinstance(node, exp.ILike):
            problems.append("Athena has no ILIKE; write lower(x) LIKE '...'")
        elif isinstance(node, exp.Comprehension):
            problems.append("list comprehensions are DuckDB's; Athena writes transform()/filter()")
        elif isinstance(node, exp.Anonymous) and node.name.lower() not in TRINO_FUNCTIONS:
            problems.append(f"{node.name}() is not an Athena (Trino) function")
    return problems


class Catalog:
    """The Glue tables and the views checked so far, as sqlglot's schema."""

    def __init__(self, tables: dict[str, dict[str, exp.DataType]]) -> None:
        self.schema = MappingSchema(tables, dialect=DIALECT)
        self.names = set(tables)
        self.views: dict[str, dict[str, exp.DataType]] = {}

    def check(self, statement: Statement) -> exp.Query:
        """The query, qualified and typed; AthenaSqlError on any problem. A view's output columns
        join the catalog for the statements after it."""
        query = parse(statement)
        where = statement.where
        ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
        unknown = sorted(
            {t.name for t in query.find_all(exp.Table) if t.name and t.name.lower() not in ctes | self.names}
        )
        if unknown:
            raise AthenaSqlError(where, [f"unknown table or view {name!r}" for name in unknown])
        try:
            qualified = qualify(
                query.copy(), schema=self.schema, dialect=DIALECT, validate_qualify_columns=True
            )
            typed = annotate_types(qualified, schema=self.schema, dialect=DIALECT)
        except OptimizeError as exc:
            raise AthenaSqlError(where, [str(exc)]) from exc
        field_types: dict[int, exp.DataType | None] = {}
        problems = [*_unnest_problems(typed), *_field_problems(typed, field_types)]
        if statement.view is not None:
            columns = {s.alias_or_name.lower(): _output_type(s, field_types) for s in typed.selects}
            names = [s.alias_or_name.lower() for s in typed.selects]
            problems += [
                f"column {n!r} is defined twice" for n in sorted({n for n in names if names.count(n) > 1})
            ]
            # the views after it are checked against it even when it has problems: one error each
            self.schema.add_table(statement.view.lower(), columns, dialect=DIALECT)
            self.names.add(statement.view.lower())
            self.views[statement.view] = columns
        if problems:
            raise AthenaSqlError(where, problems)
        return typed


def _output_type(select: exp.Expression, field_types: dict[int, exp.DataType | None]) -> exp.DataType:
    """A view column's type as Athena has it (an UNNEST column's or a struct field's, as checked)."""
    inner = select.this if isinstance(select, exp.Alias) else select
    if isinstance(inner, exp.Dot) and field_types.get(id(inner)) is not None:
        return field_types[id(inner)]
    return inner.type or select.type or exp.DataType.build("unknown")


def _unnest_problems(query: exp.Expression) -> Iterator[str]:
    """UNNEST as Trino does it (sqlglot types it as DuckDB and BigQuery do): an array of rows
    unnests into a column per field, named by the field unless the alias names them; an array of
    anything else into one column, a map into two, WITH ORDINALITY adds a bigint. A column alias
    list must name them all. Every column read from the UNNEST is checked against them and given
    its Athena type, for the struct field walk after this."""
    for unnest in list(query.find_all(exp.Unnest)):
        columns: list[tuple[str | None, exp.DataType]] = []
        for argument in unnest.expressions:
            kind = argument.type
            if kind is None or kind.is_type(exp.DType.UNKNOWN):
                yield f"can't check UNNEST({argument.sql(DIALECT)}): its type is unknown"
                break
            if kind.is_type(exp.DType.ARRAY) and kind.expressions:
                element = kind.expressions[0]
                if element.is_type(exp.DType.STRUCT):
                    columns += [
                        (f.name, f.args["kind"]) for f in element.expressions if isinstance(f, exp.ColumnDef)
                    ]
                else:
                    columns.append((None, element))
            elif kind.is_type(exp.DType.MAP) and len(kind.expressions) == 2:
                columns += [(None, kind.expressions[0]), (None, kind.expressions[1])]
            else:
                yield f"Athena can't unnest {argument.sql(DIALECT)}, a {kind.sql(DIALECT)}"
                break
        else:
            offset = unnest.args.get("offset")
            if offset:
                columns.append((None, exp.DataType.build("bigint")))
            alias = unnest.args.get("alias")
            named = [c.name for c in alias.columns] if alias else []
            if isinstance(offset, exp.Identifier):
                named.append(offset.name)
            if named and len(named) != len(columns):
                fields = [n for n, _ in columns if n]
                yield (
                    f"UNNEST(...) AS {alias.name}({', '.join(named)}) names {len(named)} column(s), "
                    f"but Athena unnests it into {len(columns)}"
                    + (
                        f": an array of rows becomes a column per field ({', '.join(fields)}); "
                        f"write AS {alias.name} and read {alias.name}.<field>"
                        if fields
                        else ""
                    )
                )
                continue
            names = named or [n for n, _ in columns]
            available = {n.lower(): kind for n, kind in zip(names, (k for _, k in columns), strict=True) if n}
            if not alias or not alias.name:
                continue
            scope = unnest.find_ancestor(exp.Select) or query
            for column in scope.find_all(exp.Column):
                if column.table.lower() != alias.name.lower():
                    continue
                if column.name.lower() in available:
                    column.type = available[column.name.lower()]
                    if named and any(n for n, _ in columns if n):
                        column.meta["athena_unnest"] = (
                            f"Athena unnests an array of rows into a column per field, and names them "
                            f"{alias.name}({', '.join(named)})"
                        )
                else:
                    yield (
                        f"UNNEST alias {alias.name} has no column {column.name!r} "
                        f"(its columns: {', '.join(n for n in names if n) or 'unnamed'})"
                    )


def _field_problems(query: exp.Expression, typed: dict[int, exp.DataType | None]) -> Iterator[str]:
    """Every `a.b` struct field access whose `a` has no field `b`: each chain is typed from its
    root column, innermost access first, and only its first wrong step is reported. `typed`
    receives each access's type (None when wrong)."""
    for dot in reversed(list(query.find_all(exp.Dot))):  # breadth first, reversed: inner ones first
        field = dot.expression
        if not isinstance(field, exp.Identifier):
            continue  # a qualified function call, not a field
        base = dot.this
        if isinstance(base, exp.Dot) and id(base) in typed:
            base_type = typed[id(base)]
            if base_type is None:
                typed[id(dot)] = None  # its inner access is reported
                continue
        else:
            base_type = base.type
        typed[id(dot)] = None
        if base_type is None or base_type.is_type(exp.DType.UNKNOWN):
            yield f"can't check field {field.name!r}: the type of {base.sql(DIALECT)} is unknown"
        elif base_type.is_type(exp.DType.STRUCT):
            fields = {
                cd.name.lower(): cd.args["kind"]
                for cd in base_type.expressions
                if isinstance(cd, exp.ColumnDef)
            }
            if field.name.lower() in fields:
                typed[id(dot)] = fields[field.name.lower()]
            else:
                yield (
                    f"unknown struct field {field.name!r} in {base.sql(DIALECT)} "
                    f"(its fields: {', '.join(fields)})"
                )
        else:
            hint = "; read a map with element_at(m, key)" if base_type.is_type(exp.DType.MAP) else ""
            if base.meta.get("athena_unnest"):
                hint += f" ({base.meta['athena_unnest']})"
            yield (
                f"{base.sql(DIALECT)} is {base_type.sql(DIALECT)}, not a struct: "
                f"it has no field {field.name!r}{hint}"
            )


def statements(app: str = LAKE_APP, root: Path = ROOT) -> list[Statement]:
    """What the check reads: the views in creation order, then the queries over them."""
    return [*template_views(app), *documented_queries(root), *report_queries()]


def check(
    items: Iterable[Statement], app: str = LAKE_APP, catalog: Catalog | None = None
) -> list[AthenaSqlError]:
    """Every problem of the statements, checked in order against the template's Glue tables (or
    the catalog given, which gains the views)."""
    catalog = catalog or Catalog(glue_schema(app))
    errors = []
    for statement in items:
        try:
            catalog.check(statement)
        except AthenaSqlError as error:
            errors.append(error)
    return errors


def main(argv: list[str] | None = None) -> int:
    del argv
    items = statements()
    errors = check(items)
    for error in errors:
        print(error, file=sys.stderr)
    if not errors:
        print(f"{len(items)} statements read as Athena reads them, every column and field known")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
