"""The import workflow's composition root: its settings, read from the function's environment, and
the split and finish steps built on the shared stores (engage.runtime's services)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.audience.imports.pieces import PIECE_BYTES
from engage.audience.imports.workflow import ChunkImport, ImportFinish, ImportSplit, ImportStart
from engage.config import resolve
from engage.runtime import services


@dataclass(frozen=True)
class ImportSettings:
    chunk_size: int = 1000  # records per chunk object of a gzip file: one import_chunk invocation's work
    reader_role: str = ""  # the role that reads a dropped file, shown as its job's RoleArn
    piece_bytes: int = PIECE_BYTES  # bytes per piece of a plain file: one import_chunk invocation's work

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ImportSettings:
        return cls(
            chunk_size=int(resolve(environ.get("IMPORT_CHUNK_SIZE", "1000"))),
            reader_role=environ.get("IMPORT_READER_ROLE_ARN", ""),
            piece_bytes=int(resolve(environ.get("IMPORT_PIECE_BYTES", str(PIECE_BYTES)))),
        )


@functools.cache
def settings() -> ImportSettings:
    return ImportSettings.from_env()


@functools.cache
def import_start() -> ImportStart:
    return ImportStart(services.import_workflow, int(services.settings.import_concurrency))


@functools.cache
def chunk_import() -> ChunkImport:
    return ChunkImport(services.objects, services.contacts, services.jobs, services.contacts.quotas)


@functools.cache
def import_split() -> ImportSplit:
    return ImportSplit(
        services.applications,
        services.objects,
        services.jobs,
        services.contacts.quotas,
        settings().chunk_size,
        settings().reader_role,
        settings().piece_bytes,
    )


@functools.cache
def import_finish() -> ImportFinish:
    return ImportFinish.over(services.jobs, services.segments, services.objects)
