"""A custom channel's answer about each endpoint (engage.sending.custom_answers)."""

import pytest
from engage.sending.custom_answers import channel_answer, read_answers
from engage.sending.ledger import Answer, Status


@pytest.mark.parametrize("answer", [None, "ok", ["e1"], {"label": "x"}, {"placed": ["e1"]}, 3])
def test_a_function_that_answers_nothing_about_its_endpoints_has_them_handed_over(answer):
    assert read_answers(answer, ["e1"], "req-1") == {"e1": Answer(Status.HANDED_OVER, "req-1")}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("SENT", Answer(Status.SENT, "req-1")),
        ({"DeliveryStatus": "SENT", "MessageId": "m-1"}, Answer(Status.SENT, "m-1")),
        ("NOT_SENT", Answer(Status.REFUSED, None, "NOT_SENT")),
        (
            {"DeliveryStatus": "NOT_SENT", "StatusMessage": "gone"},
            Answer(Status.REFUSED, None, "NOT_SENT: gone"),
        ),
        ("THROTTLED", Answer(None, reason="THROTTLED")),
        (
            {"DeliveryStatus": "OUT_OF_TIME", "StatusMessage": "1 s left"},
            Answer(None, reason="OUT_OF_TIME: 1 s left"),
        ),
        ("UNCERTAIN", Answer(Status.UNCERTAIN, None, "UNCERTAIN")),
        ("sent", Answer(Status.HANDED_OVER, "req-1")),
        ({"DeliveryStatus": 7}, Answer(Status.HANDED_OVER, "req-1")),
    ],
)
def test_each_endpoint_is_read_on_its_own(given, expected):
    assert read_answers({"e1": given}, ["e1", "e2"], "req-1") == {
        "e1": expected,
        "e2": Answer(Status.HANDED_OVER, "req-1"),
    }


def test_a_reason_is_kept_short():
    (answer,) = read_answers(
        {"e1": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "x" * 500}}, ["e1"], "r"
    ).values()
    assert len(answer.reason) == 200


def test_this_projects_channels_answer_each_endpoint():
    assert channel_answer(
        {"a": "m-1", "b": None},
        {
            "c": "OUT_OF_TIME",
            "d": "THROTTLED",
            "e": "UNCERTAIN",
            "f": "FAILED_MID_SEND: Timeout",
            "g": "ATTACHMENT_MISSING",
        },
        {"h": "OPTED_OUT"},
    ) == {
        "a": {"DeliveryStatus": "SENT", "MessageId": "m-1"},
        "b": {"DeliveryStatus": "SENT"},
        "c": {"DeliveryStatus": "OUT_OF_TIME", "StatusMessage": "OUT_OF_TIME"},
        "d": {"DeliveryStatus": "THROTTLED", "StatusMessage": "THROTTLED"},
        "e": {"DeliveryStatus": "UNCERTAIN", "StatusMessage": "UNCERTAIN"},
        "f": {"DeliveryStatus": "UNCERTAIN", "StatusMessage": "FAILED_MID_SEND: Timeout"},
        "g": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "ATTACHMENT_MISSING"},
        "h": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "OPTED_OUT"},
    }
