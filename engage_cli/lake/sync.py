"""A local copy of the events bucket's tables (events/, ses/, sms/, names/) for DuckDB: new and
changed objects are downloaded, objects gone from the bucket (expired, erased) are removed here
too, so the copy never answers with what the lake no longer holds. Some of the tables may be synced
alone (the local Athena reads only the tables a query names, as its caller may read no others)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engage_cli.lake.source import tables

MANIFEST = ".manifest.json"


def sync(s3: Any, bucket: str, root: Path, prefixes: Iterable[str] | None = None) -> dict[str, int]:
    """Mirrors the tables' objects (those under `prefixes`, by default every table's) under `root`;
    returns how many were downloaded, kept, removed."""
    root.mkdir(parents=True, exist_ok=True)
    manifest_path = root / MANIFEST
    known: dict[str, str] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    chosen = tuple(prefixes) if prefixes is not None else tuple(t.prefix for t in tables())
    known_here = {k: v for k, v in known.items() if k.startswith(chosen)}
    listed: dict[str, str] = {}
    for prefix in chosen:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            listed.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
    counts = {"downloaded": 0, "kept": 0, "removed": 0}
    for key, etag in listed.items():
        target = root / key
        if known_here.get(key) == etag and target.exists():
            counts["kept"] += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(target))
        counts["downloaded"] += 1
    for key in set(known_here) - set(listed):
        (root / key).unlink(missing_ok=True)
        counts["removed"] += 1
    others = {k: v for k, v in known.items() if k not in known_here}
    manifest_path.write_text(json.dumps({**others, **listed}))
    return counts
