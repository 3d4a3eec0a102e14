"""SES v2 VDM export jobs, and the copy of a finished export into our bucket: SES hands out a
short-lived pre-signed link, so the job is read again right before the copy, and the export is
streamed (through a spooled temporary file) rather than held in memory."""

from __future__ import annotations

import contextlib
import io
import tempfile
import urllib.request
from datetime import datetime
from typing import Any

from engage.adapters.s3.objects import SPOOL_BYTES
from engage.vdm.model import Totals, VdmNotEnabledError, read_totals

CHUNK_BYTES = 1024 * 1024
DOWNLOAD_TIMEOUT = 60.0


class VdmExports:
    def __init__(self, sesv2: Any) -> None:  # a boto3 SES v2 client
        self._ses = sesv2

    def require_vdm(self) -> None:
        attributes = self._ses.get_account().get("VdmAttributes", {})
        if attributes.get("VdmEnabled") != "ENABLED":
            raise VdmNotEnabledError(
                "Virtual Deliverability Manager is not enabled on this account; "
                "SES exports no VDM metrics without it"
            )

    def create(self, request: dict[str, Any]) -> str:
        source = request["ExportDataSource"]["MetricsDataSource"]
        metrics = {
            **source,
            "StartDate": datetime.fromisoformat(source["StartDate"]),
            "EndDate": datetime.fromisoformat(source["EndDate"]),
        }
        return self._ses.create_export_job(
            ExportDataSource={"MetricsDataSource": metrics}, ExportDestination=request["ExportDestination"]
        )["JobId"]

    def status(self, job_id: str) -> dict[str, str]:
        job = self._ses.get_export_job(JobId=job_id)
        return {
            "JobId": job_id,
            "Status": job["JobStatus"],
            "Reason": job.get("FailureInfo", {}).get("ErrorMessage", ""),
        }

    def cancel(self, job_id: str) -> dict[str, str]:
        """Cancels a job still running; a job that ended meanwhile is left as it ended."""
        with contextlib.suppress(self._ses.exceptions.ConflictException):
            self._ses.cancel_export_job(JobId=job_id)
        return self.status(job_id)

    def fresh_link(self, job_id: str) -> tuple[str, str]:
        """The export's link and data format, read now: the link SES returns expires soon."""
        job = self._ses.get_export_job(JobId=job_id)
        if job["JobStatus"] != "COMPLETED":
            raise RuntimeError(f"export job {job_id} is {job['JobStatus']}, not COMPLETED")
        destination = job["ExportDestination"]
        return destination["S3Url"], destination.get("DataFormat", "CSV")


def copy_export(
    link: str, s3: Any, bucket: str, key: str, metrics: list[dict[str, str]], data_format: str
) -> Totals:
    """Downloads the export once, reads its totals, and stores it under `key` (SSE by the bucket)."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        with urllib.request.urlopen(link, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 - SES's https link
            while chunk := response.read(CHUNK_BYTES):
                spool.write(chunk)
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        totals = read_totals(text, metrics, data_format)
        text.detach()
        spool.seek(0)
        s3.upload_fileobj(
            spool,
            bucket,
            key,
            ExtraArgs={"ContentType": "text/csv" if data_format == "CSV" else "application/x-ndjson"},
        )
    return totals
