"""The validation workflow on the local stack, driven from the outside: endpoints in the contact
store, the workflow started as a user would (or with an import's notification), then the endpoints'
attributes, the run's summary on its SNS topic and the PhoneNumberValidate calls in the outbox."""

from __future__ import annotations

import json
import uuid

import pytest
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.contacts import ContactStore

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample, drop
from tests.e2e.conftest import invoke
from tests.support.apps import SAMPLE_APP, named_app
from tests.support.cli import engage
from tests.support.topics import TopicInbox

PNV_CLI_APP = named_app("pnv-cli")
PNV_APP = named_app("pnv")
PNV_CACHED_APP = named_app("pnv-cached")
PNV_IMPORT_APP = named_app("pnv-import")
PNV_SAMPLES_APP = named_app("pnv-samples")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def validation(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    return {
        "outputs": outputs,
        "inbox": TopicInbox(local_stack, outputs["ValidationTopicArn"], "validation-notifications"),
        "contacts": ContactStore(
            DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
        ),
    }


def run(local_stack, validation, request: dict, timeout: float = 90) -> tuple[str, dict]:
    """Starts the workflow and returns (notification type, summary) from the topic."""
    name = f"validate-{uuid.uuid4().hex[:12]}"
    sfn = local_stack.client("stepfunctions")
    sfn.start_execution(
        stateMachineArn=validation["outputs"]["ValidationWorkflowArn"], name=name, input=json.dumps(request)
    )

    def published():
        return validation["inbox"].about(lambda body: name in (body.get("RunId"), body.get("run_id")))

    assert wait_until(lambda: published(), timeout=timeout), f"no notification for {name}"
    return published()[0]


def calls(local_stack, numbers, since: int = 0):
    """PhoneNumberValidate requests for these numbers (from the `since`-th request on): (answered,
    refused)."""
    entries = [
        e
        for e in local_stack.emulated.outbox.entries("pinpoint", "PhoneNumberValidate")[since:]
        if e["request"]["NumberValidateRequest"]["PhoneNumber"] in numbers
    ]
    return [e for e in entries if "error" not in e], [e for e in entries if "error" in e]


def seed(contacts, app, endpoints):
    for endpoint_id, request in endpoints.items():
        contacts.upsert(app, endpoint_id, request)


def attributes(contacts, app, endpoint_id):
    return contacts.get(app, endpoint_id).get("Attributes", {})


def test_valid_invalid_duplicated_and_throttled_numbers_are_validated_with_one_call_per_unique_number(
    local_stack, validation, faults
):
    app, contacts = PNV_APP, validation["contacts"]
    plausible = {f"t{i}": f"+1206555{i:04d}" for i in range(200, 210)}
    seed(
        contacts,
        app,
        {
            "valid": {"ChannelType": "SMS", "Address": "+12065550150"},
            "same-number": {"ChannelType": "SMS", "Address": "(206) 555-0150"},
            "uk-landline": {
                "ChannelType": "VOICE",
                "Address": "020 7183 8750",
                "Location": {"Country": "GB"},
            },
            "junk": {"ChannelType": "SMS", "Address": "555-1234"},
            "unassigned": {"ChannelType": "SMS", "Address": "+447700900123"},
            "opted-out": {"ChannelType": "SMS", "Address": "+12065550151", "OptOut": "ALL"},
            "done-before": {
                "ChannelType": "SMS",
                "Address": "+12065550152",
                "Attributes": {"PNV_PhoneNumberValidated": ["Yes"]},
            },
            "email": {"ChannelType": "EMAIL", "Address": "pnv@example.com"},
            **{key: {"ChannelType": "SMS", "Address": number} for key, number in plausible.items()},
        },
    )
    faults(
        {
            "service": "pinpoint",
            "operation": "PhoneNumberValidate",
            "kind": "throttle",
            "rate": 0.3,
            "seed": 5,
        }
    )
    since = len(local_stack.emulated.outbox.entries("pinpoint", "PhoneNumberValidate"))
    kind, summary = run(local_stack, validation, {"ApplicationId": app})
    rules = faults()

    assert kind == "success", summary
    # the two numbers invalid offline are looked up too: only PhoneNumberValidate deactivates
    unique = {"+12065550150", "+442071838750", "+15551234", "+447700900123", *plausible.values()}
    answered, refused = calls(local_stack, unique | {"+12065550151", "+12065550152"}, since)
    assert sorted(e["request"]["NumberValidateRequest"]["PhoneNumber"] for e in answered) == sorted(unique)
    assert summary["api_calls"] == len(unique) == 14
    assert summary["throttled"] == len(refused) > 0
    assert (summary["endpoints"], summary["validated"], summary["failed"]) == (15, 15, 0), summary["Failures"]
    assert (summary["invalid"], summary["offline_invalid"]) == (2, 2)
    # the second spelling of one number shares its lookup: within a part as a duplicate, from
    # another part through the cache; either way the answers add up
    assert summary["duplicates"] + summary["cache_hits"] == 1
    assert summary["validated"] == sum(
        summary[k] for k in ("cache_hits", "duplicates", "api_calls", "refused")
    )
    assert summary["Parts"] == summary["PartsCompleted"] == 4  # 15 endpoints, 4 per part
    assert rules == [] or all(r["injected"] == 0 for r in rules)

    valid = contacts.get(app, "same-number")
    assert valid["Address"] == "+12065550150" and valid.get("EndpointStatus", "ACTIVE") == "ACTIVE"
    assert valid["Attributes"]["PNV_PhoneNumberValidated"] == ["Yes"]
    assert valid["Attributes"]["PNV_OriginalPhoneNumber"] == ["(206) 555-0150"]
    assert valid["Attributes"]["PNV_CountryCodeIso2"] == ["US"]
    assert valid["Attributes"]["PNV_Timezone"] == ["Unknown"], "AWS no longer places US and Canadian numbers"
    uk = contacts.get(app, "uk-landline")
    assert uk["Address"] == "+442071838750" and uk["Attributes"]["PNV_PhoneType"] == ["LANDLINE"]
    for invalid in ("junk", "unassigned"):
        endpoint = contacts.get(app, invalid)
        assert endpoint["EndpointStatus"] == "INACTIVE", invalid
        assert endpoint["Attributes"]["PNV_PhoneType"] == ["INVALID"]
    assert "PNV_PhoneNumberValidated" not in attributes(contacts, app, "opted-out")
    assert "PNV_PhoneType" not in attributes(contacts, app, "done-before")
    assert "PNV_PhoneNumberValidated" not in attributes(contacts, app, "email")


def test_numbers_known_from_an_earlier_run_are_answered_from_the_cache(local_stack, validation):
    app, contacts = PNV_CACHED_APP, validation["contacts"]
    seed(
        contacts,
        app,
        {
            "known": {"ChannelType": "SMS", "Address": "206-555-0150"},  # looked up by the test above
            "new": {"ChannelType": "SMS", "Address": "+12065550160"},
        },
    )
    before, _ = calls(local_stack, {"+12065550150", "+12065550160"})
    kind, summary = run(local_stack, validation, {"ApplicationId": app})
    after, _ = calls(local_stack, {"+12065550150", "+12065550160"})
    assert kind == "success"
    assert (summary["cache_hits"], summary["api_calls"], summary["validated"]) == (1, 1, 2)
    assert len(after) - len(before) == 1
    assert contacts.get(app, "known")["Attributes"]["PNV_CountryCodeIso2"] == ["US"]


def test_validation_scoped_to_an_import_touches_only_that_imports_endpoints(local_stack, validation):
    app, contacts = PNV_IMPORT_APP, validation["contacts"]
    seed(contacts, app, {"already-here": {"ChannelType": "SMS", "Address": "+12065550170"}})
    audience = {"bucket": validation["outputs"]["ImportBucketName"]}
    audience["jobs"] = DynamoJobStore(validation["outputs"]["JobsTableName"], local_stack.client("dynamodb"))
    body = b"Id,ChannelType,Address\nf1,SMS,+12065550171\nf2,SMS,+12065550172\nf3,EMAIL,f3@example.com\n"
    job = drop(local_stack, audience, app, "phones.csv", body)
    assert job["JobStatus"] == "COMPLETED"
    kind, summary = run(local_stack, validation, job)  # the import's success notification, as is
    assert kind == "success"
    assert (summary["SegmentId"], summary["endpoints"], summary["validated"]) == (job["Id"], 2, 2)
    assert attributes(contacts, app, "f1")["PNV_PhoneNumberValidated"] == ["Yes"]
    assert "PNV_PhoneNumberValidated" not in attributes(contacts, app, "already-here")


def test_a_run_that_cannot_start_notifies_failure_with_the_reason(local_stack, validation):
    kind, body = run(local_stack, validation, {"ApplicationId": PNV_APP, "SegmentId": "no-such-segment"})
    assert kind == "failure"
    assert "no-such-segment" in json.dumps(body["error"])


def test_the_sample_events_drive_each_step(local_stack, validation):
    """events/validation_*/: the samples `sam local invoke` uses, run through the deployed functions."""
    app, contacts, bucket = PNV_SAMPLES_APP, validation["contacts"], validation["outputs"]["ImportBucketName"]
    seed(
        contacts,
        app,
        {f"s{i}": {"ChannelType": "SMS", "Address": f"+1206555{i:04d}"} for i in (301, 302, 303)},
    )
    names = {SAMPLE_APP: app, "WORK_BUCKET": bucket}

    selected = invoke(
        local_stack,
        "Audience/ValidationSelectFunction",
        _sample("audience/validation_select/start.json", **names),
        stack="engage",
    )
    assert selected["error"] is None, selected
    assert (selected["payload"]["parts"], selected["payload"]["run_id"]) == (1, "sample-run")
    part = invoke(
        local_stack,
        "Audience/ValidationPartFunction",
        _sample("audience/validation_part/part.json", **names),
        stack="engage",
    )
    assert part["error"] is None, part
    assert (part["payload"]["endpoints"], part["payload"]["validated"], part["payload"]["counted"]) == (
        3,
        3,
        True,
    )
    again = invoke(
        local_stack,
        "Audience/ValidationPartFunction",
        _sample("audience/validation_part/part.json", **names),
        stack="engage",
    )
    # a replayed part re-reads its snapshot: answered from the cache, no new call, counted once
    assert (again["payload"]["counted"], again["payload"]["api_calls"], again["payload"]["cache_hits"]) == (
        False,
        0,
        3,
    )
    finished = invoke(
        local_stack,
        "Audience/ValidationFinishFunction",
        _sample("audience/validation_finish/finish.json", **names),
        stack="engage",
    )
    assert finished["payload"]["JobStatus"] == "COMPLETED"
    assert (finished["payload"]["validated"], finished["payload"]["Parts"]) == (3, 1)

    jobs = DynamoJobStore(validation["outputs"]["JobsTableName"], local_stack.client("dynamodb"))
    job = drop(
        local_stack,
        {"bucket": bucket, "jobs": jobs},
        app,
        "phones.csv",
        b"Id,ChannelType,Address\nf1,SMS,+12065550304\n",
    )
    after_import = _sample("audience/validation_select/after_import.json", IMPORT_JOB_ID=job["Id"], **names)
    selected = invoke(local_stack, "Audience/ValidationSelectFunction", after_import, stack="engage")
    assert selected["error"] is None, selected
    assert (
        selected["payload"]["parts"] == 1
    )  # only the imported endpoint: s301-s303 are validated or not in it
    manifest = json.loads(
        local_stack.client("s3").get_object(Bucket=bucket, Key=selected["payload"]["manifest"])["Body"].read()
    )
    assert [item["records"] for item in manifest] == [1]


def test_the_engage_command_runs_a_validation_and_reports_its_summary(local_stack, validation):
    seed(validation["contacts"], PNV_CLI_APP, {"c1": {"ChannelType": "SMS", "Address": "+12065550401"}})
    done = engage("validate", "--app", PNV_CLI_APP, "--json", state_dir=local_stack.state_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["JobStatus"], result["endpoints"], result["validated"], result["api_calls"]) == (
        "COMPLETED",
        1,
        1,
        1,
    )
    refused = engage(
        "validate",
        "--app",
        PNV_CLI_APP,
        "--segment",
        "nope",
        "--json",
        state_dir=local_stack.state_dir,
        timeout=120,
    )
    assert refused.returncode == 1
    error = json.loads(refused.stdout)["error"]
    assert error["type"] == "ValidationFailed" and "FAILED" in error["message"]
