"""The import, validate, campaign chain (the seeds' "Triggered Imports, Phone Validate, Campaign
Create"): a file dropped under `campaign-imports/<application id>/` is imported as a segment, the
phone numbers of that segment (and only those) are validated, and the segment receives the
templates the file's object metadata names (`sms-template`, `email-template`, `voice-template`,
`push-template`), at once or after an operator approves (`approval: manual|auto` in the metadata,
else the stack's default).

Everything is named after the object (bucket, key, version or ETag), as a plain import is: the
chain's execution `chain-<job>`, its import job `<job>`, its campaign run `chain-<job>`, so a
duplicate event starts nothing and a second file is a second chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.audience.imports.job import ImportSource, segment_name
from engage.contacts.model import check_app_id
from engage.errors import ValidationError

CHAIN_PREFIX = "campaign-imports/"
TEMPLATE_METADATA = {
    "sms-template": "SmsTemplateName",
    "email-template": "EmailTemplateName",
    "voice-template": "VoiceTemplateName",
    "push-template": "PushTemplateName",
}
APPROVAL_MODES = ("AUTO", "MANUAL")


def chain_name(job_id: str) -> str:
    return f"chain-{job_id}"


def chain_input(
    source: ImportSource,
    received_key: str,
    metadata: Mapping[str, str],
    default_approval: str,
    concurrency: int,
    approval_timeout: int,
) -> dict[str, Any]:
    """The chain workflow's input for a dropped file, checked before anything is imported: the
    application from the key, at least one template, a known approval mode."""
    if not source.key.startswith(CHAIN_PREFIX) or source.key.count("/") < 2:
        raise ValidationError("key", f"chained imports go under {CHAIN_PREFIX}<application id>/<file>")
    _, app_id, name = source.key.split("/", 2)
    check_app_id(app_id)
    metadata = {k.lower(): v for k, v in metadata.items()}
    templates = {key: metadata.get(meta) or None for meta, key in TEMPLATE_METADATA.items()}
    if not any(templates.values()):
        raise ValidationError(
            "x-amz-meta-sms-template",
            "name the template(s) to send in the object's metadata (sms-template, ...)",
        )
    approval = (metadata.get("approval") or default_approval).upper()
    if approval not in APPROVAL_MODES:
        raise ValidationError("x-amz-meta-approval", f"must be one of {', '.join(APPROVAL_MODES).lower()}")
    job_id = source.job_id
    return {
        "app_id": app_id,
        "run_id": chain_name(job_id),
        "approval": approval,
        "approval_timeout": approval_timeout,
        "import": {
            "bucket": source.bucket,
            "key": source.key,
            "version": source.version,
            "job_id": job_id,
            "app_id": app_id,
            "received_key": received_key,
            "define_segment": True,
            "concurrency": concurrency,
        },
        "campaign": {"SegmentName": segment_name(name.rsplit("/", 1)[-1]), **templates},
    }


def approval_record(run: dict[str, Any], token: str, requested_at: str) -> dict[str, Any]:
    """A campaign run waiting for approval: PENDING, holding the task token that resumes the chain."""
    return {**run, "JobStatus": "PENDING", "Approval": {"Token": token, "RequestedAt": requested_at}}
