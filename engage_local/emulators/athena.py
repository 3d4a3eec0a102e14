"""Athena over the event lake, on DuckDB: the queries moto's Athena only records are run here.

moto keeps the executions (their ids, workgroups, ListQueryExecutions; DDL such as the views custom
resource's CREATE VIEW stays moto's alone); this emulator observes StartQueryExecution and, for a
query (SELECT, WITH, VALUES) in a Glue database holding the lake's tables, runs it as Athena would:
in the background (QUEUED, RUNNING, then SUCCEEDED, FAILED or CANCELLED, which GetQueryExecution
reports), as its caller (the Glue tables it names need glue:GetDatabase and glue:GetTable, their
files s3:ListBucket and s3:GetObject, the result s3:PutObject, each judged by the local stack's IAM,
KMS included), over the tables' files in S3 (their Glue locations; only the tables it names are
read), with its execution parameters bound as SQL literals, translated from Athena's dialect by
sqlglot as the local lake is (engage_cli.lake). Its result is written to the workgroup's output
location as Athena's CSV and answered by GetQueryResults as Athena answers (the first row the
columns' names, every value as text, pages of MaxResults with a NextToken). A query it can't run
FAILS with the reason."""

from __future__ import annotations

import base64
import logging
import re
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from botocore.exceptions import ClientError
from engage.adapters.clients import ClientFactory
from moto.core import DEFAULT_ACCOUNT_ID
from sqlglot import exp
from sqlglot.tokens import TokenType

from engage_cli.lake.local import LocalLake
from engage_cli.lake.source import tables, to_duckdb, views
from engage_cli.lake.sync import sync
from engage_local.emulators.framework import ApiError, Clock, Emulator, current_request

log = logging.getLogger("engage_local.emulators.athena")
QUERY_START = re.compile(r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(\(|select\b|with\b|values\b)", re.I | re.S)
MAX_RESULTS = 1000
LITERALS = (exp.Literal, exp.Boolean, exp.Null)
DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


class QueryError(Exception):
    """Why a query failed, as GetQueryExecution's StateChangeReason says it."""


@dataclass
class Execution:
    id: str
    sql: str
    database: str
    workgroup: str
    parameters: list[str]
    role: str | None  # the caller's, whose rights the query reads and writes with
    requested_output: str | None
    submitted: datetime
    state: str = "QUEUED"
    reason: str = ""
    completed: datetime | None = None
    output: str | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, Athena type)
    rows: list[list[str | None]] = field(default_factory=list)
    scanned_bytes: int = 0
    future: Future | None = None


@dataclass
class _Lake:
    root: Path
    lake: LocalLake | None = None


class AthenaState:
    def __init__(
        self, region: str, clients: ClientFactory, clock: Clock, work_dir: Path | None = None
    ) -> None:
        self.region = region
        self.clients = clients
        self.clock = clock
        self._temporary = tempfile.TemporaryDirectory(prefix="engage-athena-") if work_dir is None else None
        self.work_dir = work_dir or Path(self._temporary.name)  # type: ignore[union-attr]
        self.executions: dict[str, Execution] = {}
        self._lakes: dict[str, _Lake] = {}  # bucket -> its synced copy and the DuckDB lake over it
        self._running: tuple[str, LocalLake] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="athena")

    # --- observed and answered operations ---------------------------------------------------------
    def query_started(self, params: dict[str, Any], answer: dict[str, Any]) -> None:
        """StartQueryExecution, after moto recorded it: a query is run here, anything else is moto's."""
        sql = params.get("QueryString", "")
        if not QUERY_START.match(sql):
            return None
        request = current_request()
        key = request.access_key if request else None
        execution = Execution(
            id=answer["QueryExecutionId"],
            sql=sql,
            database=(params.get("QueryExecutionContext") or {}).get("Database", ""),
            workgroup=params.get("WorkGroup") or "primary",
            parameters=list(params.get("ExecutionParameters") or []),
            role=_role_of(key),
            requested_output=(params.get("ResultConfiguration") or {}).get("OutputLocation"),
            submitted=self.clock.now(),
        )
        with self._lock:
            self.executions[execution.id] = execution
        execution.future = self._pool.submit(self._run, execution)
        return None

    def query_described(self, params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | None:
        """GetQueryExecution: where a query run here stands."""
        execution = self.executions.get(params["QueryExecutionId"])
        if execution is None:
            return None
        described = answer["QueryExecution"]
        status: dict[str, Any] = {"State": execution.state, "SubmissionDateTime": execution.submitted}
        if execution.completed:
            status["CompletionDateTime"] = execution.completed
        if execution.reason:
            status["StateChangeReason"] = execution.reason
        if execution.state == "FAILED":
            status["AthenaError"] = {"ErrorCategory": 2, "ErrorMessage": execution.reason}
        described.update(
            Status=status,
            StatementType="DML",
            WorkGroup=execution.workgroup,
            Statistics={
                "DataScannedInBytes": execution.scanned_bytes,
                "EngineExecutionTimeInMillis": _millis(execution.submitted, execution.completed),
                "TotalExecutionTimeInMillis": _millis(execution.submitted, execution.completed),
            },
        )
        if execution.output:
            described["ResultConfiguration"] = {"OutputLocation": execution.output}
        if execution.parameters:
            described["ExecutionParameters"] = execution.parameters
        return answer

    def query_stopped(self, params: dict[str, Any], _answer: dict[str, Any]) -> None:
        """StopQueryExecution: a query not yet done is cancelled (DuckDB interrupted mid-run)."""
        execution = self.executions.get(params["QueryExecutionId"])
        if execution is None:
            return None
        with self._lock:
            if execution.state in DONE:
                return None
            execution.state, execution.reason = "CANCELLED", "Query cancelled by user"
            execution.completed = self.clock.now()
            running = self._running
        if execution.future is not None:
            execution.future.cancel()
        if running is not None and running[0] == execution.id:
            running[1].db.interrupt()
        return None

    def get_query_results(self, params: dict[str, Any]) -> dict[str, Any]:
        query_id = params["QueryExecutionId"]
        execution = self.executions.get(query_id)
        if execution is None:
            if self._moto_knows(query_id):  # DDL moto ran: no rows
                return {"ResultSet": {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}, "UpdateCount": 0}
            raise ApiError("InvalidRequestException", f"QueryExecution {query_id} was not found")
        if execution.state != "SUCCEEDED":
            message = (
                f"Query has not yet finished. Current state: {execution.state}"
                if execution.state not in DONE
                else f"Query did not succeed ({execution.state}): {execution.reason}"
            )
            raise ApiError("InvalidRequestException", message, AthenaErrorCode="INVALID_INPUT")
        offset = _offset(params.get("NextToken"), query_id)
        size = min(int(params.get("MaxResults") or MAX_RESULTS), MAX_RESULTS)
        everything = [[name for name, _ in execution.columns], *execution.rows]
        page = everything[offset : offset + size]
        answer: dict[str, Any] = {
            "ResultSet": {
                "Rows": [
                    {"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in page
                ],
                "ResultSetMetadata": {"ColumnInfo": [_column_info(n, t) for n, t in execution.columns]},
            },
            "UpdateCount": 0,
        }
        if offset + size < len(everything):
            answer["NextToken"] = base64.b64encode(f"{query_id}:{offset + size}".encode()).decode()
        return answer

    # --- running a query --------------------------------------------------------------------------
    def _run(self, execution: Execution) -> None:
        with self._lock:
            if execution.state != "QUEUED":
                return
            execution.state = "RUNNING"
        try:
            columns, rows = self._execute(execution)
            configuration = self._configuration(execution.workgroup)
            execution.output = _output(execution, configuration)
            self._write_result(execution, columns, rows, configuration)
        except QueryError as exc:
            self._finish(execution, "FAILED", str(exc))
            return
        except Exception as exc:  # the emulator's own fault: reported, never a hung query
            log.exception("athena: query %s could not be run", execution.id)
            self._finish(execution, "FAILED", f"GENERIC_INTERNAL_ERROR: {type(exc).__name__}: {exc}")
            return
        execution.columns, execution.rows = columns, rows
        self._finish(execution, "SUCCEEDED", "")

    def _finish(self, execution: Execution, state: str, reason: str) -> None:
        with self._lock:
            if execution.state != "RUNNING":  # cancelled meanwhile
                return
            execution.state, execution.reason, execution.completed = state, reason, self.clock.now()

    def _execute(self, execution: Execution) -> tuple[list[tuple[str, str]], list[list[str | None]]]:
        sql = bind(execution.sql, execution.parameters)
        try:
            parsed = sqlglot.parse(sql, read="athena")
        except sqlglot.errors.SqlglotError as exc:
            raise QueryError(f"SYNTAX_ERROR: {exc}") from exc
        if len([s for s in parsed if s is not None]) != 1:
            raise QueryError("INVALID_QUERY: Athena runs one statement at a time")
        database = execution.database  # as moto keeps it (and the policies name it)
        if not database:
            raise QueryError("INVALID_QUERY: no database: give QueryExecutionContext.Database")
        self._may(execution, "glue:GetDatabase", self._glue_arns(database))
        glue = self.clients.client("glue")
        try:
            glue.get_database(Name=database)
        except glue.exceptions.EntityNotFoundException:
            raise QueryError(f"SCHEMA_NOT_FOUND: Schema '{database}' does not exist") from None
        named = _names(parsed[0])
        base = self._base_tables(database, named)
        for name in sorted(named | base):
            self._may(execution, "glue:GetTable", self._glue_arns(database, name))
        bucket, prefixes = self._locations(glue, database, base)
        lake = self._lake(execution, bucket, prefixes)
        execution.scanned_bytes = sum(
            f.stat().st_size for p in prefixes for f in (lake.root / p).rglob("*") if f.is_file()
        )
        with self._lock:
            if execution.state != "RUNNING":
                raise QueryError("Query cancelled by user")
            self._running = (execution.id, lake)
        try:
            cursor = lake.db.execute(to_duckdb(sql))
            columns = [(d[0], _athena_type(str(d[1]))) for d in cursor.description or ()]
            rows = [[as_text(v) for v in row] for row in cursor.fetchall()]
        except (duckdb.Error, sqlglot.errors.SqlglotError, ValueError) as exc:
            raise QueryError(f"QUERY_FAILED: {exc} (the local Athena runs it on DuckDB)") from exc
        finally:
            with self._lock:
                self._running = None
        return columns, rows

    def _base_tables(self, database: str, named: set[str]) -> set[str]:
        """The lake's tables a query reads, the views it names resolved to theirs."""
        known_tables = {t.name for t in tables()}
        known_views = {v.name: v for v in views()}
        found: set[str] = set()
        pending = list(named)
        while pending:
            name = pending.pop()
            if name in known_tables:
                found.add(name)
            elif name in known_views:
                pending += [r for r in known_views[name].reads if r not in found]
            else:
                raise QueryError(f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.{name}' does not exist")
        return found

    def _locations(self, glue: Any, database: str, names: set[str]) -> tuple[str, list[str]]:
        """The one bucket the tables' files are in, and their prefixes (their Glue locations)."""
        expected = {t.name: t.prefix for t in tables()}
        buckets, prefixes = set(), []
        for name in sorted(names):
            try:
                table = glue.get_table(DatabaseName=database, Name=name)["Table"]
            except glue.exceptions.EntityNotFoundException:
                raise QueryError(
                    f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.{name}' does not exist"
                ) from None
            location = table.get("StorageDescriptor", {}).get("Location", "")
            match = re.match(r"^s3://([^/]+)/(.*)$", location)
            if not match or match.group(2).rstrip("/") + "/" != expected[name]:
                raise QueryError(
                    f"INVALID_TABLE: the local Athena reads {name} from s3://<bucket>/{expected[name]} only, "
                    f"not {location or 'nowhere'}"
                )
            buckets.add(match.group(1))
            prefixes.append(expected[name])
        if len(buckets) > 1:
            raise QueryError("INVALID_QUERY: the local Athena reads the lake's tables from one bucket")
        return (buckets.pop() if buckets else ""), prefixes

    def _lake(self, execution: Execution, bucket: str, prefixes: list[str]) -> LocalLake:
        """The lake over a copy of the tables' files, read as the caller (synced when they changed)."""
        kept = self._lakes.setdefault(bucket or "-", _Lake(self.work_dir / (bucket or "-")))
        if bucket and prefixes:
            s3 = self._as_caller(execution).client("s3")
            try:
                counts = sync(s3, bucket, kept.root, prefixes)
            except ClientError as exc:
                raise QueryError(
                    f"Permission denied on S3 path: s3://{bucket}/{prefixes[0]} "
                    f"({exc.response.get('Error', {}).get('Message', exc)})"
                ) from exc
            if counts["downloaded"] or counts["removed"]:
                kept.lake = None
        if kept.lake is None:
            kept.root.mkdir(parents=True, exist_ok=True)
            kept.lake = LocalLake(kept.root)
        return kept.lake

    def _configuration(self, workgroup: str) -> dict[str, Any]:
        found = self.clients.client("athena").get_work_group(WorkGroup=workgroup)["WorkGroup"]
        return found.get("Configuration") or {}

    def _write_result(
        self,
        execution: Execution,
        columns: list[tuple[str, str]],
        rows: list[list[str | None]],
        configuration: dict[str, Any],
    ) -> None:
        """Athena's CSV: every value quoted, NULL as nothing; encrypted as the workgroup says."""
        assert execution.output is not None
        bucket, key = execution.output.removeprefix("s3://").split("/", 1)
        lines = [[name for name, _ in columns], *rows]
        body = "".join(",".join(_csv(v) for v in line) + "\n" for line in lines).encode()
        encryption = (configuration.get("ResultConfiguration") or {}).get("EncryptionConfiguration") or {}
        extra: dict[str, str] = {}
        if encryption.get("EncryptionOption") in ("SSE_KMS", "CSE_KMS"):
            extra = {
                "ServerSideEncryption": "aws:kms",
                **({"SSEKMSKeyId": encryption["KmsKey"]} if encryption.get("KmsKey") else {}),
            }
        elif encryption.get("EncryptionOption") == "SSE_S3":
            extra = {"ServerSideEncryption": "AES256"}
        try:
            self._as_caller(execution).client("s3").put_object(
                Bucket=bucket, Key=key, Body=body, ContentType="text/csv", **extra
            )
        except ClientError as exc:
            raise QueryError(
                f"Permission denied on S3 path: {execution.output} "
                f"({exc.response.get('Error', {}).get('Message', exc)})"
            ) from exc

    # --- as the caller ----------------------------------------------------------------------------
    def _as_caller(self, execution: Execution) -> ClientFactory:
        from engage_local.iam.principals import as_role

        return as_role(self.clients, execution.role)

    def _may(self, execution: Execution, action: str, resources: list[str]) -> None:
        """The caller's right to `action` on each resource (Glue's: the catalog, the database, the
        table), as the local stack's IAM judges it; none to judge when IAM is off."""
        from engage_local.iam.principals import active

        enforcer = active()
        if enforcer is None or execution.role is None:
            return
        for resource in resources:
            if enforcer.role_may(execution.role, action, resource, via="athena") is not None:
                raise QueryError(
                    f"Insufficient permissions to execute the query. User: {execution.role} is not "
                    f"authorized to perform: {action} on resource: {resource}"
                )

    def _glue_arns(self, database: str, table: str | None = None) -> list[str]:
        prefix = f"arn:aws:glue:{self.region}:{DEFAULT_ACCOUNT_ID}"
        arns = [f"{prefix}:catalog", f"{prefix}:database/{database}"]
        return [*arns, f"{prefix}:table/{database}/{table}"] if table else arns

    def _moto_knows(self, query_id: str) -> bool:
        from moto.athena.models import athena_backends

        return query_id in athena_backends[DEFAULT_ACCOUNT_ID][self.region].executions


def _output(execution: Execution, configuration: dict[str, Any]) -> str:
    """Where the result goes: the workgroup's output location (the request's, where the workgroup
    lets it), the query's id the file's name."""
    enforced = configuration.get("EnforceWorkGroupConfiguration", True)
    own = (configuration.get("ResultConfiguration") or {}).get("OutputLocation")
    location = own if (enforced or not execution.requested_output) and own else execution.requested_output
    if not location:
        raise QueryError(
            "No output location provided. An output location is required either through the "
            "Workgroup result configuration setting or as an API input."
        )
    return f"{location.rstrip('/')}/{execution.id}.csv"


def _role_of(access_key: str | None) -> str | None:
    from engage_local.iam.principals import PRINCIPALS

    return PRINCIPALS.role_of(access_key) if access_key else None


def bind(sql: str, parameters: list[str]) -> str:
    """The statement with its `?` replaced by the execution parameters, in order; each must be one
    SQL literal ('text', 12, TIMESTAMP '...', true, NULL), as Athena reads them."""
    try:
        tokens = sqlglot.Dialect.get_or_raise("athena").tokenize(sql)
    except sqlglot.errors.SqlglotError as exc:
        raise QueryError(f"SYNTAX_ERROR: {exc}") from exc
    holes = [t for t in tokens if t.token_type == TokenType.PLACEHOLDER]
    if len(holes) != len(parameters):
        raise QueryError(
            f"INVALID_PARAMETER_USAGE: the query has {len(holes)} parameter(s), "
            f"ExecutionParameters gives {len(parameters)}"
        )
    bound, last = [], 0
    for hole, value in zip(holes, parameters, strict=True):
        if not _is_literal(value):
            raise QueryError(
                f"INVALID_PARAMETER_USAGE: an execution parameter is one SQL literal, not {value!r}"
            )
        bound += [sql[last : hole.start], value]
        last = hole.end + 1
    return "".join([*bound, sql[last:]])


def _is_literal(value: str) -> bool:
    try:
        parsed = sqlglot.parse_one(value, read="athena")
    except sqlglot.errors.SqlglotError:
        return False
    if isinstance(parsed, exp.Neg):
        parsed = parsed.this
    if isinstance(parsed, exp.Cast):  # a typed literal: TIMESTAMP '2025-01-01 00:00:00'
        parsed = parsed.this if isinstance(parsed.this, exp.Literal) and parsed.this.is_string else None
    return isinstance(parsed, LITERALS)


def _names(statement: exp.Expression) -> set[str]:
    """The tables and views a statement names (not its CTEs)."""
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    return {t.name for t in statement.find_all(exp.Table) if t.name and t.name not in ctes}


def _offset(token: str | None, query_id: str) -> int:
    if not token:
        return 0
    try:
        owner, offset = base64.b64decode(token).decode().rsplit(":", 1)
        if owner == query_id:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError("InvalidRequestException", "NextToken is not one this query's results gave")


def _millis(start: datetime, end: datetime | None) -> int:
    return int(((end or start) - start).total_seconds() * 1000)


def _csv(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def _column_info(name: str, kind: str) -> dict[str, Any]:
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": kind,
        "Precision": 0,
        "Scale": 0,
        "Nullable": "UNKNOWN",
        "CaseSensitive": kind == "varchar",
    }


ATHENA_TYPES = {
    "VARCHAR": "varchar",
    "BIGINT": "bigint",
    "HUGEINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}


def _athena_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return "array"
    for prefix, kind in (("MAP", "map"), ("STRUCT", "row"), ("DECIMAL", "decimal")):
        if duckdb_type.startswith(prefix):
            return kind
    return ATHENA_TYPES.get(duckdb_type, duckdb_type.lower())


def as_text(value: Any) -> str | None:
    """A value as Athena writes it in its results."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, datetime):
        zone = " UTC" if value.tzinfo is not None else ""
        moment = value.astimezone(UTC) if value.tzinfo is not None else value
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}{zone}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{k}={as_text(v) if v is not None else 'null'}" for k, v in value.items()) + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(as_text(v) if v is not None else "null" for v in value) + "]"
    return str(value)


def _double(value: float) -> str:
    """As Java writes a double (Athena's engine): 1.0, 0.25, 1.0E7, 1.0E-4 (the shortest digits)."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    shown = "".join(map(str, digits))
    power = len(shown) - 1 + int(exponent)
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def athena_emulator(state: AthenaState) -> Emulator:
    emulator = Emulator.serving("athena", state, ["GetQueryResults"])
    emulator.observers = {
        "StartQueryExecution": state.query_started,
        "GetQueryExecution": state.query_described,
        "StopQueryExecution": state.query_stopped,
    }
    return emulator
