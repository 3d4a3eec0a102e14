"""Segmentation's composition root: the area's settings, read from the function's environment, and
its use cases built once per execution environment (on first use) from them, the shared client
factory (engage.runtime's services) and the adapters. The only module of the area that imports
adapters; the handlers take their use case from here, the domain never does."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

from engage.adapters.athena.queries import AthenaQueries
from engage.config import EnvironmentSettings
from engage.errors import ValidationError
from engage.runtime import services
from engage.segmentation.query_runs import RESULTS_PREFIX
from engage.segmentation.workflow import QueryCheck, QueryEngine, QueryRun


@dataclass(frozen=True)
class SegmentationSettings(EnvironmentSettings):
    """What the template passes the area's functions. None: not set, required only by the use case
    that reads it (`require` names the variable)."""

    query_database: str | None = None
    query_tables: str | None = None  # comma-separated Glue table names (the check's allow-list)
    poll_seconds: int = 5
    max_polls: int = 120
    import_concurrency: int = 4
    query_engine: str = "ATHENA"  # or DUCKDB, the local stack's
    query_workgroup: str | None = None
    query_data_bucket: str | None = None  # DUCKDB: where the tables' files are
    query_data_prefix: str = ""

    ENV_NAMES: ClassVar[dict[str, str]] = {
        "query_database": "SEGMENT_QUERY_DATABASE",
        "query_tables": "SEGMENT_QUERY_TABLES",
        "poll_seconds": "SEGMENT_QUERY_POLL_SECONDS",
        "max_polls": "SEGMENT_QUERY_MAX_POLLS",
        "import_concurrency": "IMPORT_CONCURRENCY",
        "query_engine": "SEGMENT_QUERY_ENGINE",
        "query_workgroup": "SEGMENT_QUERY_WORKGROUP",
        "query_data_bucket": "SEGMENT_QUERY_DATA_BUCKET",
        "query_data_prefix": "SEGMENT_QUERY_DATA_PREFIX",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SegmentationSettings:
        values: dict[str, str | int] = {}
        for field in fields(cls):
            raw = environ.get(cls.ENV_NAMES[field.name])
            if raw is not None:
                values[field.name] = int(raw) if isinstance(field.default, int) else raw
        return cls(**values)  # type: ignore[arg-type]


@functools.cache
def settings() -> SegmentationSettings:
    return SegmentationSettings.from_env()


@functools.cache
def query_check() -> QueryCheck:
    """The segment query workflow's check step."""
    config = settings()
    return QueryCheck(
        applications=services.applications,
        files=services.objects,
        segments=services.segments,
        work_bucket=services.settings.require("work_bucket"),
        database=config.require("query_database"),
        tables=config.require("query_tables"),
        poll_seconds=config.poll_seconds,
        max_polls=config.max_polls,
        import_concurrency=config.import_concurrency,
    )


@functools.cache
def query_run() -> QueryRun:
    """The segment query workflow's run step, on the configured engine."""
    return QueryRun(query_engine(settings()))


def query_engine(config: SegmentationSettings) -> QueryEngine:
    database = config.require("query_database")
    if config.query_engine == "ATHENA":
        return AthenaQueries(services.factory.client("athena"), config.require("query_workgroup"), database)
    if config.query_engine == "DUCKDB":  # its own layer, attached only to a DUCKDB deployment
        try:
            from engage_duckdb.queries import DuckDbQueries
        except ImportError as exc:
            raise ValidationError("SEGMENT_QUERY_ENGINE", "DUCKDB needs the DuckDB layer attached") from exc

        return DuckDbQueries(
            services.objects,
            config.require("query_data_bucket"),
            config.query_data_prefix,
            database,
            services.settings.require("work_bucket"),
            RESULTS_PREFIX,
        )
    raise ValidationError("SEGMENT_QUERY_ENGINE", "must be ATHENA or DUCKDB (the local stack's)")
