"""What an SMS drop does, whatever its store: the cases run on the in-memory store (unit) and on
the DynamoDB table (integration)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from engage.sending.ledger import Outcome, Status
from engage.sending.request import parse_request
from engage.sending.sender import SendResult
from engage.sms.drop import DropFile, DropRules, QueueRefusedError, SmsDrops, queued_row

from tests.support.fakes import MemoryQueue, MemoryReports

TOLL_FREE = "+18005550100"
FILE = (
    b"sms_number,message,external_campaign_id,message_type,origination_identity\n"
    b"+14255550100,Sale today,bf,PROMOTIONAL,\n"
    b"not a number,Sale today,bf,PROMOTIONAL,\n"
    b"+14255550107,Your order shipped,orders,TRANSACTIONAL,\n"
    b"+14255550108,Sale today,bf,PROMOTIONAL,+18005550100\n"
    b"+14255550110,Sale today,bf,PROMOTIONAL,+19995550100\n"
)


def drops(store, queue=None) -> SmsDrops:
    return SmsDrops(
        store,
        queue or MemoryQueue(),
        MemoryReports(),
        lambda app, channel, address: f"address-{address[-4:]:0>32}",
        DropRules(identities=frozenset({TOLL_FREE})),
    )


def drop(version: str = "v1") -> DropFile:
    return DropFile("work", "sms-drops/app-1/sale.csv", version)


def settle_all(flow: SmsDrops, outcomes: list[Outcome]) -> int:
    settled = []
    for body, outcome in zip(flow.queue.bodies, outcomes, strict=True):
        settled.append((queued_row(json.loads(body)), SendResult(parse_request(body), outcome)))
    return flow.settle(settled, 2.0)


def report(flow: SmsDrops) -> list[dict[str, str]]:
    body = flow.reports.objects[("work", "sms-drops/app-1/sale.report.csv")]
    return list(csv.DictReader(io.StringIO(body.decode())))


def rows_are_queued_by_identity_and_reported_once_all_settle(store) -> None:
    flow = drops(store)
    progress = flow.read(drop(), io.BytesIO(FILE), 1.0)
    assert (progress.rows, progress.rejected, progress.queued, progress.read) == (5, 2, 3, True)
    assert flow.reports.objects == {}, "no report while rows are waiting to be sent"
    d = drop().drop_id
    assert flow.queue.fifo == [("default", f"{d}-2"), ("default", f"{d}-4"), (TOLL_FREE, f"{d}-5")]
    first = json.loads(flow.queue.bodies[0])
    assert (first["RequestId"], first["ActivityId"], first["Address"]) == (d, "line-2", "+14255550100")
    assert json.loads(flow.queue.bodies[1])["Transactional"] is True
    assert json.loads(flow.queue.bodies[2])["Message"]["OriginationNumber"] == TOLL_FREE
    outcomes = [
        Outcome(Status.SENT, "m-1"),
        Outcome(Status.REFUSED, None, "OPTED_OUT"),
        Outcome(Status.REFUSED, None, "DESTINATION_PHONE_NUMBER_OPTED_OUT"),
    ]
    assert settle_all(flow, outcomes) == 3
    assert [(r["line"], r["status"], r["reason"], r["message_id"]) for r in report(flow)] == [
        ("2", "SENT", "", "m-1"),
        ("3", "REJECTED", "sms_number must be in E.164 form (+, country code, number)", ""),
        ("4", "SKIPPED", "OPTED_OUT", ""),
        ("5", "REFUSED", "DESTINATION_PHONE_NUMBER_OPTED_OUT", ""),
        ("6", "REJECTED", "origination_identity is not one this stack sends from", ""),
    ]
    assert report(flow)[0]["sms_number"] == "+*********00", "numbers are masked in the report"
    assert settle_all(flow, outcomes) == 0, "a replayed batch settles nothing again"
    assert flow.reports.writes == 1


def a_repeated_event_for_one_version_reads_nothing_again(store) -> None:
    flow = drops(store)
    flow.read(drop(), io.BytesIO(FILE), 1.0)
    again = flow.read(drop(), io.BytesIO(FILE), 2.0)
    assert len(flow.queue.bodies) == 3 and again.queued == 3
    flow.read(drop("v2"), io.BytesIO(FILE), 3.0)
    assert len(flow.queue.bodies) == 6, "a new version of the file is a new drop"


def a_file_without_the_columns_is_reported_at_once(store) -> None:
    flow = drops(store)
    progress = flow.read(drop(), io.BytesIO(b"phone,text\n+14255550100,hi\n"), 1.0)
    assert progress.file_error and progress.reported and flow.queue.bodies == []
    assert [(r["line"], r["status"]) for r in report(flow)] == [("1", "REJECTED")]
    assert "sms_number, message are required" in report(flow)[0]["reason"]


def a_file_of_rejected_rows_is_reported_by_the_reader(store) -> None:
    flow = drops(store)
    flow.read(drop(), io.BytesIO(b"sms_number,message\n123,hi\n+1425,hi\n"), 1.0)
    assert [r["status"] for r in report(flow)] == ["REJECTED", "REJECTED"]


def rows_sqs_refuses_fail_the_read_and_reading_again_completes_it(store) -> None:
    queue = MemoryQueue(refuse=[1])
    flow = drops(store, queue)
    with pytest.raises(QueueRefusedError):
        flow.read(drop(), io.BytesIO(FILE), 1.0)
    progress = flow.read(drop(), io.BytesIO(FILE), 2.0)
    assert (progress.rows, progress.rejected, progress.queued) == (5, 2, 3)
    lines = sorted({json.loads(b)["Drop"]["Line"] for b in queue.bodies})
    assert lines == [2, 4, 5], "each row queued (twice at most: the ledger sends it once)"


CASES = [
    rows_are_queued_by_identity_and_reported_once_all_settle,
    a_repeated_event_for_one_version_reads_nothing_again,
    a_file_without_the_columns_is_reported_at_once,
    a_file_of_rejected_rows_is_reported_by_the_reader,
    rows_sqs_refuses_fail_the_read_and_reading_again_completes_it,
]
