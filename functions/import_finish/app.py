"""Closes the import job: COMPLETED when every chunk was imported, else FAILED; the failure
messages are cut to Pinpoint's 100. A completed job that asked for it defines an IMPORT segment
named after the file, or the next version of the imported segment it names (`segment_id`; the
previous version's member lists are tagged superseded, and a lifecycle rule removes them two days
later, so that a campaign run reading them meanwhile still can); otherwise the member lists its
chunks wrote are removed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.errors import ValidationError
from engage.imports.job import SUPERSEDED_TAG, imported_segment, members_prefix, refused_job
from engage.imports.reader import MAX_FAILURES
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("refused"):  # no job was created: the application does not exist
        metrics.add_metric(name="ImportsFailed", unit="Count", value=1)
        return refused_job(event)
    job = services.jobs.get(event["app_id"], event["job_id"])
    if job is None:
        raise LookupError(f"import job {event['job_id']} does not exist")
    done = job["CompletedPieces"] + job["FailedPieces"] == job["TotalPieces"] and job["FailedPieces"] == 0
    status = "COMPLETED" if done and event.get("status") != "FAILED" else "FAILED"
    failures = job.get("Failures", [])[:MAX_FAILURES]
    if event.get("error"):
        failures = [f"the import stopped: {event['error'].get('Error')}", *failures][:MAX_FAILURES]
    bucket = job["Definition"]["S3Url"].removeprefix("s3://").split("/", 1)[0]
    members = members_prefix(job["ApplicationId"], job["Id"])
    # The segment exists before the job says COMPLETED: whoever sees the status can use it.
    segment = None
    if status == "COMPLETED" and job["Definition"].get("DefineSegment"):
        try:
            replacing = _replaced_segment(event)
            segment = imported_segment(job, job["TotalProcessed"] - job["TotalFailures"], replacing)
        except (LookupError, ValidationError) as exc:  # the segment went away while the file was imported
            status, failures = "FAILED", [str(exc), *failures][:MAX_FAILURES]
    if segment is not None:
        location = f"s3://{bucket}/{members}"
        previous = services.segments.members(segment["ApplicationId"], segment["Id"]) if replacing else None
        if previous == location:  # a retried step: its version is in place already
            segment = replacing
        else:
            services.segments.put(segment, location)
        if previous and previous != location:
            old_bucket, old_prefix = previous.removeprefix("s3://").split("/", 1)
            services.objects.tag_prefix(old_bucket, old_prefix, {SUPERSEDED_TAG: "true"})
        logger.info(
            "defined imported segment", extra={"segment_id": segment["Id"], "version": segment["Version"]}
        )
    else:  # no segment will ever read the member lists its chunks wrote
        removed = services.objects.delete_prefix(bucket, members)
        logger.info("removed member lists of a job without a segment", extra={"objects": removed})
    job = services.jobs.finish(event["app_id"], event["job_id"], status, failures)
    metrics.add_metric(
        name="ImportsCompleted" if status == "COMPLETED" else "ImportsFailed", unit="Count", value=1
    )
    return job


def _replaced_segment(event: dict[str, Any]) -> dict[str, Any] | None:
    segment_id = event.get("segment_id")
    if not segment_id:
        return None
    segment = services.segments.get(event["app_id"], segment_id)
    if segment is None:
        raise LookupError(f"segment {segment_id} does not exist in application {event['app_id']}")
    return segment
