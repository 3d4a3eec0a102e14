"""The event lake's files on S3, rewritten without an erased person's lines (engage.lake.erasure):
each object is streamed through gunzip, filtered a line at a time into a spooled temporary file
(in memory up to SPOOL_BYTES, on disk beyond), and written back under the same key only when a line
was removed, or deleted when none is left. The bucket is not versioned, so no older copy remains."""

from __future__ import annotations

import gzip
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engage.adapters.s3.objects import SPOOL_BYTES
from engage.lake.erasure import PREFIXES, ErasureProgress, Person, Pseudonymise, filter_lines


@dataclass
class LakeFiles:
    s3: Any  # boto3 s3
    bucket: str
    clock: Callable[[], float] = field(default=time.monotonic)

    def erase(
        self, person: Person, pseudonym: Pseudonymise, deadline: float, resume: dict[str, str] | None = None
    ) -> ErasureProgress:
        """Erases from the lake's files in key order until `deadline` (on `clock`); the progress's
        `resume` says where to go on from, None when every file has been read."""
        progress = ErasureProgress()
        prefixes = list(PREFIXES)
        if resume:
            prefixes = prefixes[prefixes.index(resume["Prefix"]) :]
        for prefix in prefixes:
            after = resume["After"] if resume and resume["Prefix"] == prefix else ""
            for key in self._keys(prefix, after):
                if self.clock() >= deadline:
                    progress.resume = {"Prefix": prefix, "After": after}
                    return progress
                self._erase_file(key, person, pseudonym, progress)
                after = key
        return progress

    def _keys(self, prefix: str, after: str) -> Iterator[str]:
        request = {"Bucket": self.bucket, "Prefix": prefix, **({"StartAfter": after} if after else {})}
        for page in self.s3.get_paginator("list_objects_v2").paginate(**request):
            for listed in page.get("Contents", []):
                yield listed["Key"]

    def _erase_file(
        self, key: str, person: Person, pseudonym: Pseudonymise, progress: ErasureProgress
    ) -> None:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        gzipped = key.endswith(".gz")
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            if gzipped:
                with (
                    gzip.GzipFile(fileobj=body, mode="rb") as lines,
                    gzip.GzipFile(fileobj=spool, mode="wb") as out,
                ):
                    outcome = filter_lines(lines, person, pseudonym, out.write)
            else:
                outcome = filter_lines(body.iter_lines(keepends=True), person, pseudonym, spool.write)
            progress.files_read += 1
            if not outcome.removed:
                return
            progress.lines_removed += outcome.removed
            if not outcome.kept:
                self.s3.delete_object(Bucket=self.bucket, Key=key)
                progress.files_deleted += 1
                return
            spool.seek(0)
            self.s3.upload_fileobj(spool, self.bucket, key)
            progress.files_rewritten += 1
