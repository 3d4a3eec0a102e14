"""The erasure handler and the phone-validation finish (functions/audience/erasure,
functions/audience/validation_finish)
fed their sample events (events/audience/erasure/, events/audience/validation_finish/), with the use cases
put in at the
audience wiring's accessor on in-memory stores; and the wiring's settings."""

from __future__ import annotations

from typing import Any

import pytest
from engage.audience import wiring
from engage.audience.erasure import Erasure
from engage.audience.phone.runs import new_run, settle
from engage.audience.wiring import AudienceSettings
from engage.jobs import JobClosing
from engage.lake.erasure import Person

from tests.support.apps import SAMPLE_APP
from tests.support.fakes import MemoryEndpoints
from tests.support.thin_handlers import Context, MemoryJobs, handler, sample

USER = "sample-erased-user"


class Erasers:
    """Consent, suppression and the archive, each erasure recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def suppress_erased(self, app_id: str, channel: str, address: str, at: str) -> None:
        self.calls.append(("suppress_erased", (app_id, channel, address)))

    def remove(self, app_id: str, channel: str, address: str, reason: Any = None) -> int:
        self.calls.append(("remove", (app_id, channel, address)))
        return 1

    def erase(self, app_id: str, channel: str, address: str) -> int:
        self.calls.append(("erase", (app_id, channel, address)))
        return 2

    def delete_prefix(self, prefix: str) -> int:
        self.calls.append(("delete_prefix", (prefix,)))
        return 1


@pytest.fixture
def audience(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "contacts": MemoryEndpoints(
            [
                {
                    "ApplicationId": SAMPLE_APP,
                    "Id": "e1",
                    "ChannelType": "EMAIL",
                    "Address": "ana@example.com",
                },
                {"ApplicationId": SAMPLE_APP, "Id": "e2", "ChannelType": "SMS", "Address": "+12065550100"},
                {
                    "ApplicationId": SAMPLE_APP,
                    "Id": "e3",
                    "ChannelType": "EMAIL",
                    "Address": "ben@example.com",
                },
            ]
        ),
        "erasers": Erasers(),
        "lake": [],
        "jobs": MemoryJobs(),
    }
    for endpoint_id in ("e1", "e2"):  # the sample's user
        parts["contacts"].by_id[(SAMPLE_APP, endpoint_id)]["User"] = {"UserId": USER}
    erasure = Erasure(
        parts["contacts"],
        parts["erasers"],
        parts["erasers"],
        parts["erasers"],
        lambda app_id, channel, address: f"pseudonym-{channel}-{address[-3:]}",
        parts["lake"].append,
    )
    monkeypatch.setattr(wiring, "erasure", lambda: erasure)
    monkeypatch.setattr(
        wiring, "validation_closing", lambda: JobClosing(parts["jobs"], "validation run", settle)
    )
    return parts


def test_the_erasure_sample_erases_every_endpoint_of_the_user_and_queues_the_lake(audience):
    answer = handler("erasure")(sample("audience/erasure/erase_user.json"), Context())

    assert answer == {
        "ApplicationId": SAMPLE_APP,
        "ErasedEndpoints": ["e1", "e2"],
        "ArchivedMessagesDeleted": 4,
        "ConsentRecordsDeleted": 4,
        "SuppressionsHashed": 2,
        "SuppressionsInClearRemoved": 2,
        "LakeErasure": "QUEUED",
    }
    assert audience["lake"] == [
        Person(SAMPLE_APP, frozenset({"e1", "e2"}), frozenset({"pseudonym-EMAIL-com", "pseudonym-SMS-100"}))
    ]
    assert sorted(i for (_app, i) in audience["contacts"].by_id) == ["e3"]


def test_an_address_erases_every_endpoint_holding_it_and_what_was_sent_to_it(audience):
    event = {"ApplicationId": SAMPLE_APP, "Address": "+12065550100"}

    answer = handler("erasure")(event, Context())

    assert answer["ErasedEndpoints"] == ["e2"]
    erased = {args[1:] for name, args in audience["erasers"].calls if name == "suppress_erased"}
    assert erased == {("SMS", "+12065550100"), ("VOICE", "+12065550100")}  # one number, two channels


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({"ApplicationId": SAMPLE_APP, "UserId": "u", "EndpointId": "e1"}, "ValidationError"),
        ({"ApplicationId": SAMPLE_APP, "UserId": "nobody"}, "NotFoundError"),
        ({"ApplicationId": SAMPLE_APP, "EndpointId": "gone"}, "NotFoundError"),
    ],
)
def test_a_request_naming_nobody_or_too_much_is_answered_with_the_error_and_erases_nothing(
    audience, event, error
):
    answer = handler("erasure")(event, Context())

    assert answer["Error"]["Type"] == error
    assert audience["erasers"].calls == [] and audience["lake"] == []
    assert len(audience["contacts"].by_id) == 3


def test_the_validation_finish_sample_completes_a_counted_run_and_answers_its_summary(audience, capsys):
    run = new_run("sample-run", SAMPLE_APP, "seg-1", {"ApplicationId": SAMPLE_APP, "SegmentId": "seg-1"})
    audience["jobs"].create({**run, "JobStatus": "PROCESSING", "TotalPieces": 2, "CompletedPieces": 2})

    answer = handler("validation_finish")(sample("audience/validation_finish/finish.json"), Context())

    assert (answer["RunId"], answer["SegmentId"], answer["JobStatus"], answer["PartsCompleted"]) == (
        "sample-run",
        "seg-1",
        "COMPLETED",
        2,
    )
    assert answer["Failures"] == [] and answer["CompletionDate"]
    assert '"ValidationsCompleted"' in capsys.readouterr().out


def test_a_validation_stopped_on_an_error_fails_and_a_missing_run_is_an_error(audience):
    run = new_run("sample-run", SAMPLE_APP, None, {"ApplicationId": SAMPLE_APP})
    audience["jobs"].create({**run, "TotalPieces": 2, "CompletedPieces": 2})
    event = {**sample("audience/validation_finish/finish.json"), "error": {"Error": "States.TaskFailed"}}

    answer = handler("validation_finish")(event, Context())

    assert answer["JobStatus"] == "FAILED" and answer["Failures"] == [
        "the validation stopped: States.TaskFailed"
    ]
    with pytest.raises(LookupError, match="validation run other does not exist"):
        handler("validation_finish")({**event, "run_id": "other"}, Context())


def test_the_settings_read_the_lake_erasure_queue():
    assert AudienceSettings.from_env({}) == AudienceSettings("")
    assert (
        AudienceSettings.from_env({"LAKE_ERASURE_QUEUE_URL": "https://q"}).lake_erasure_queue_url
        == "https://q"
    )
