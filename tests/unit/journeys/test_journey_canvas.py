"""A journey drawn for the report (engage.journeys.canvas, engage_cli.lake.journey_drawing): the
activities in columns by distance from the start, each with the figures the counters give."""

from __future__ import annotations

from engage.journeys.canvas import canvas_response, columns

from engage_cli.lake.journey_drawing import journeys_section

JOURNEY = {
    "Id": "j1",
    "Name": "welcome",
    "State": "ACTIVE",
    "StartActivity": "hold",
    "Activities": {
        "hold": {"Holdout": {"Percentage": 10, "NextActivity": "hello"}},
        "hello": {"EMAIL": {"TemplateName": "t", "NextActivity": "pause"}},
        "pause": {"Wait": {"WaitTime": {"WaitFor": "P1D"}, "NextActivity": "which"}},
        "which": {
            "MultiCondition": {
                "Branches": [{"Condition": {}, "NextActivity": "call"}],
                "DefaultActivity": "text",
                "EvaluationWaitTime": {"WaitFor": "PT1H"},
            }
        },
        "call": {"ContactCenter": {}},
        "text": {"SMS": {"TemplateName": "s"}},
        "orphan": {"SMS": {"TemplateName": "s"}},  # nothing leads to it
    },
}
COUNTS = {
    "hold|TOTAL": 10, "hold|HOLDOUT": 1,
    "hello|TOTAL": 9, "hello|SUCCESS": 7, "hello|QUIET_TIME": 1, "hello|FAILURE_PERMANENT": 1,
    "pause|TOTAL": 9, "pause|WAITING": 3, "pause|WAIT_COMPLETED": 6,
    "which|TOTAL": 4, "which|WAITING": 2, "which|Branch_1": 3, "which|Branch_2": 1,
    "call|TOTAL": 3, "call|SUCCESS": 3,
    "text|TOTAL": 1, "text|DAILY_CAP": 1,
    "|ENDPOINT_ENTERED": 10,
}  # fmt: skip


def test_each_activity_is_drawn_where_the_flow_puts_it_with_its_figures():
    drawn = columns(JOURNEY, COUNTS)
    assert [[n.activity_id for n in column] for column in drawn] == [
        ["hold"],
        ["hello"],
        ["pause"],
        ["which"],
        ["call", "text"],
        ["orphan"],
    ]
    nodes = {n.activity_id: n for column in drawn for n in column}
    assert (nodes["hold"].entered, nodes["hold"].moved_on, nodes["hold"].held_out) == (10, 9, 1)
    hello = nodes["hello"]
    assert (hello.sent, hello.skipped, hello.failed) == (7, {"QUIET_TIME": 1}, {"FAILURE_PERMANENT": 1})
    assert (nodes["pause"].entered, nodes["pause"].waiting, nodes["pause"].moved_on) == (9, 3, 6)
    which = nodes["which"]  # two still in its evaluation wait: counted once judged
    assert (which.entered, which.waiting, which.moved_on) == (6, 2, 4)
    assert which.branches == {"Branch_1": 3, "Branch_2": 1} and which.next == ("text", "call")
    assert (nodes["call"].kind, nodes["call"].sent) == ("ContactCenter", 3)
    assert nodes["text"].skipped == {"DAILY_CAP": 1} and nodes["orphan"].entered == 0


def test_the_report_shows_each_card_and_escapes_names():
    page = journeys_section([({**JOURNEY, "Name": "<b>welcome</b>"}, columns(JOURNEY, COUNTS))])
    assert "&lt;b&gt;welcome&lt;/b&gt;" in page and "<b>welcome" not in page
    assert page.count('class="activity"') == 7 and page.count('class="column"') == 6
    assert "<dt>skipped: quiet time</dt><dd>1</dd>" in page and "<dt>branch 1</dt><dd>3</dd>" in page
    assert "→ the end" in page and journeys_section([]) == "<p>No journeys yet.</p>"


def test_the_consoles_canvas_is_the_reports_columns_with_their_figures():
    answer = canvas_response({**JOURNEY, "ApplicationId": "app"}, COUNTS, "2026-12-07T00:00:00Z")
    drawn = columns(JOURNEY, COUNTS)
    assert [[n["ActivityId"] for n in column] for column in answer["Columns"]] == [
        [n.activity_id for n in column] for column in drawn
    ]
    hello = next(n for column in answer["Columns"] for n in column if n["ActivityId"] == "hello")
    assert (hello["Entered"], hello["Sent"], hello["Failed"], hello["Skipped"]) == (
        9,
        7,
        {"FAILURE_PERMANENT": 1},
        {"QUIET_TIME": 1},
    )
    which = next(n for column in answer["Columns"] for n in column if n["ActivityId"] == "which")
    assert (which["Entered"], which["Waiting"], which["Branches"]) == (6, 2, {"Branch_1": 3, "Branch_2": 1})
    assert (answer["JourneyId"], answer["State"], answer["StartActivity"]) == ("j1", "ACTIVE", "hold")
