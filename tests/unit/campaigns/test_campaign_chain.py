"""The import, validate, campaign chain's input (engage.campaigns.chain): named after the dropped
object, templates and approval from its metadata, refused before anything is imported."""

import pytest
from engage.audience.imports.job import ImportSource
from engage.campaigns.chain import approval_record, chain_input
from engage.errors import ValidationError

SOURCE = ImportSource("bucket", "campaign-imports/chainapp/Spring Leads.csv", "null/etag-1")


def test_a_dropped_file_becomes_one_chain_named_after_the_object():
    chain = chain_input(
        SOURCE, "campaign-imports/chainapp/Spring+Leads.csv", {"SMS-Template": "welcome"}, "AUTO", 4, 60
    )
    assert chain["run_id"] == f"chain-{SOURCE.job_id}" and chain["app_id"] == "chainapp"
    assert chain["import"]["job_id"] == SOURCE.job_id and chain["import"]["define_segment"] is True
    assert (
        chain["campaign"]["SmsTemplateName"] == "welcome" and chain["campaign"]["EmailTemplateName"] is None
    )
    assert chain["campaign"]["SegmentName"] and (chain["approval"], chain["approval_timeout"]) == ("AUTO", 60)
    again = chain_input(SOURCE, SOURCE.key, {"sms-template": "welcome"}, "AUTO", 4, 60)
    assert again["run_id"] == chain["run_id"]  # a duplicate event names the same chain


def test_the_files_metadata_may_ask_for_approval():
    assert (
        chain_input(SOURCE, SOURCE.key, {"sms-template": "t", "approval": "manual"}, "AUTO", 4, 60)[
            "approval"
        ]
        == "MANUAL"
    )
    assert chain_input(SOURCE, SOURCE.key, {"sms-template": "t"}, "MANUAL", 4, 60)["approval"] == "MANUAL"


@pytest.mark.parametrize(
    ("source", "metadata", "field"),
    [
        (SOURCE, {}, "x-amz-meta-sms-template"),
        (SOURCE, {"sms-template": "t", "approval": "later"}, "x-amz-meta-approval"),
        (ImportSource("bucket", "campaign-imports/file.csv", "v"), {"sms-template": "t"}, "key"),
        (
            ImportSource("bucket", "campaign-imports/bad app!/f.csv", "v"),
            {"sms-template": "t"},
            "ApplicationId",
        ),
    ],
)
def test_a_file_the_chain_cannot_run_is_refused_before_anything_is_imported(source, metadata, field):
    with pytest.raises(ValidationError) as refused:
        chain_input(source, source.key, metadata, "AUTO", 4, 60)
    assert field in str(refused.value)


def test_a_run_awaiting_approval_is_pending_with_its_token():
    record = approval_record(
        {"Id": "chain-1", "JobStatus": "INITIALIZING"}, "token-1", "2026-11-26T00:00:00.000Z"
    )
    assert record["JobStatus"] == "PENDING" and record["Approval"]["Token"] == "token-1"
