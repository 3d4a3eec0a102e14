"""One journey with every activity type of botocore's `Activity` shape, run end to end on the local
stack with the drivable clock: a holdout, a random split, email through SES (whose mailbox simulator
clicks, opens and bounces), a wait, a multivariate split on those events, a call queued in an Amazon
Connect outbound campaign, SMS, push, a custom channel, a yes/no split on segment dimensions, the
journey's daily cap, quiet time in two zones (held until it ends), open hours and a closed day. Each
branch count is checked against what its endpoint did, and each send against the channel's outbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from engage_local.api import wait_until
from engage_local.iam.account import ACCOUNT
from engage_local.state import read_state
from tests.support.cli import engage
from tests.support.journeys import FROM, Journeying
from tests.support.roles import tagged_role

pytestmark = pytest.mark.e2e

NEW_YORK, LONDON = "America/New_York", "Europe/London"  # in December: UTC-5 and UTC


def contact_center_role(stack, campaign_arn):
    """The journey's ConnectCampaignExecutionRoleArn: tagged for the sender to assume, trusting the
    account, allowed to queue dial requests in the campaign."""
    dial = {"Effect": "Allow", "Action": "connect-campaigns:PutDialRequestBatch", "Resource": campaign_arn}
    return tagged_role(stack, "engage:contact-center", [dial], "journey-calls")


def test_a_journey_with_every_activity_type_runs_as_each_endpoint_behaves(local_stack, pinpoint, tmp_path):
    j = Journeying(local_stack, pinpoint)
    now = local_stack.clock.now()
    start = now.replace(hour=14, minute=0, second=0, microsecond=0)
    j.advance(((start if start > now else start + timedelta(days=1)) - now).total_seconds())
    day = local_stack.clock.now().date()

    def person(user, zone, **endpoints):
        for endpoint_id, (channel, address) in endpoints.items():
            fields = {
                "ChannelType": channel,
                "Address": address,
                "Attributes": {"Plan": ["tour"]},
                "Demographic": {"Timezone": zone},
                "User": {"UserId": user},
            }
            j.contacts.upsert(j.app, endpoint_id, fields)

    person(
        "ana",
        NEW_YORK,
        ana_mail=("EMAIL", "success+click@simulator.amazonses.com"),
        ana_phone=("SMS", "+12065550101"),
    )
    person(
        "bo", LONDON, bo_mail=("EMAIL", "bounce@simulator.amazonses.com"), bo_phone=("SMS", "+12065550102")
    )
    person(
        "cy", LONDON, cy_mail=("EMAIL", "success+open@simulator.amazonses.com"), cy_app=("GCM", "token-cy")
    )
    person(
        "dee", NEW_YORK, dee_mail=("EMAIL", "success@simulator.amazonses.com"), dee_crm=("CUSTOM", "crm-dee")
    )
    person("jo", LONDON, jo_mail=("EMAIL", "success@simulator.amazonses.com"))  # the holdout keeps jo
    pinpoint.create_push_template(
        TemplateName=f"tour-push-{j.app[:8]}",
        PushNotificationTemplateRequest={"Default": {"Body": "Open me"}},
    )
    campaign = f"arn:aws:connect-campaigns:{local_stack.region}:{ACCOUNT}:campaign/{uuid.uuid4()}"
    crm = read_state(local_stack.state_dir).physical_id(
        "AlphaFunction", "runtime-test", "AWS::Lambda::Function"
    )
    email = {"TemplateName": j.email_template, "MessageConfig": {"FromAddress": FROM}}

    def did(event_type):
        return {"EventCondition": {"MessageActivity": "hello", "Dimensions": {"EventType": {
            "DimensionType": "INCLUSIVE", "Values": [event_type]}}}}  # fmt: skip

    days = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    push_hours = {day_: [{"StartTime": "00:00", "EndTime": "23:00"}] for day_ in days}
    crm_closed = {"Name": "closed", "StartDateTime": f"{day}T00:00:00", "EndDateTime": f"{day}T18:30:00"}
    journey = j.create(
        {
            "Name": "the tour",
            "StartActivity": "holdout",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment("tour")}},
            "Activities": {
                "holdout": {"Holdout": {"Percentage": 20, "NextActivity": "random"}},
                "random": {"RandomSplit": {"Branches": [{"Percentage": 100, "NextActivity": "hello"}]}},
                "hello": {"EMAIL": {**email, "NextActivity": "pause"}},
                "pause": {"Wait": {"WaitTime": {"WaitFor": "PT9H"}, "NextActivity": "which"}},
                "which": {
                    "MultiCondition": {
                        "Branches": [
                            {"Condition": did("_email.click"), "NextActivity": "call"},
                            {"Condition": did("_email.hardbounce"), "NextActivity": "text"},
                            {"Condition": did("_email.open"), "NextActivity": "push"},
                        ],
                        "DefaultActivity": "crmOrNot",
                    }
                },
                "call": {"ContactCenter": {"NextActivity": "thanks"}},
                "thanks": {"EMAIL": email},  # ana's second email today: over the daily cap
                "text": {"SMS": {"TemplateName": j.sms_template}},
                "push": {"PUSH": {"TemplateName": f"tour-push-{j.app[:8]}"}},
                "crmOrNot": {
                    "ConditionalSplit": {
                        "Condition": {
                            "Conditions": [
                                {"SegmentDimensions": {"Demographic": {"Channel": {"Values": ["CUSTOM"]}}}}
                            ]
                        },
                        "TrueActivity": "crm",
                    }
                },
                "crm": {
                    "CUSTOM": {
                        "DeliveryUri": crm,
                        "EndpointTypes": ["CUSTOM"],
                        "MessageConfig": {"Data": "tour"},
                    }
                },
            },
            "Limits": {"DailyCap": 1},
            "QuietTime": {"Start": "22:00", "End": "23:30"},
            "WaitForQuietTime": True,
            "SendingSchedule": True,
            "OpenHours": {"PUSH": push_hours},
            "ClosedDays": {"CUSTOM": [crm_closed]},
            "JourneyChannelSettings": {
                "ConnectCampaignArn": campaign,
                "ConnectCampaignExecutionRoleArn": contact_center_role(local_stack, campaign),
            },
            "Schedule": j.schedule(days=3),
            "State": "ACTIVE",
        }
    )
    journey_id = journey["Id"]
    outbox = local_stack.emulated.outbox

    def dials():
        return [e for e in outbox.entries("connectcampaigns", "PutDialRequestBatch") if "response" in e
                and e["request"]["dialRequests"][0]["attributes"].get("JourneyId") == journey_id]  # fmt: skip

    def pushes():
        return [e for e in outbox.entries("pinpoint", "SendMessages") if "response" in e
                and e["request"]["MessageRequest"]["Context"].get("journey_id") == journey_id]  # fmt: skip

    # 14:00 UTC: 09:00 in New York, 14:00 in London. Everyone but jo is sent the email.
    emails, _ = j.sent(journey_id, emails=4, texts=0)
    assert "success@simulator.amazonses.com" in {
        e["request"]["Destination"]["ToAddresses"][0] for e in emails
    }
    assert wait_until(lambda: j.metrics(journey_id, "hello").get("SUCCESS") == 4, 60, 1.0)

    # 23:05 UTC: the split judged what each did with the email. New York (18:05) is open: ana's
    # call is queued, and her thank-you is over the daily cap. London (23:05) is in its quiet time
    # (22:00 to 23:30): bo's text and cy's push are held. The custom channel is closed in New York
    # until 18:30: dee's delivery is held.
    j.advance(9 * 3600 + 300)
    j.sent(journey_id, emails=4, texts=0)
    ((dial,),) = [dials()]
    assert dial["request"]["dialRequests"][0]["phoneNumber"] == "+12065550101"
    assert dial["request"]["id"] == campaign.rsplit("/", 1)[1]
    which = j.metrics(journey_id, "which")
    branches = {k: which.get(k) for k in ("Branch_1", "Branch_2", "Branch_3", "Branch_4")}
    assert which["TOTAL"] == 4 and set(branches.values()) == {1}  # one each: click, bounce, open, neither
    assert j.metrics(journey_id, "crm") == {"TOTAL": 1} and not pushes()

    # 23:35 UTC: London's quiet time is over, bo's text goes; New York's channel opened at 18:30,
    # dee's delivery went. cy's push waits for the push channel's open hours (from midnight).
    j.advance(1800)
    _, texts = j.sent(journey_id, emails=4, texts=1)
    assert texts[0]["request"]["DestinationPhoneNumber"] == "+12065550102"
    assert not pushes()
    j.advance(1800)
    assert wait_until(lambda: len(pushes()) == 1, 30, 0.5)
    assert list(pushes()[0]["request"]["MessageRequest"]["Addresses"]) == ["token-cy"]

    people = {p.key: (p.status, p.reason) for p in j.people_in(journey_id).values()}
    assert people.pop("u#jo") == ("EXITED", "HOLDOUT")
    assert people == dict.fromkeys(("u#ana", "u#bo", "u#cy", "u#dee"), ("DONE", None))
    expected = {
        "holdout": {"TOTAL": 5, "HOLDOUT": 1},
        "random": {"TOTAL": 4, "Branch_1": 4},
        "call": {"TOTAL": 1, "SUCCESS": 1},
        "thanks": {"TOTAL": 1, "DAILY_CAP": 1},
        "text": {"TOTAL": 1, "SUCCESS": 1},
        "push": {"TOTAL": 1, "SUCCESS": 1},
        "crmOrNot": {"TOTAL": 1, "Branch_1": 1},
        "crm": {"TOTAL": 1, "SUCCESS": 1},
        "pause": {"TOTAL": 4, "WAIT_COMPLETED": 4},
    }

    def counted():
        return {a: {k: j.metrics(journey_id, a).get(k) for k in want} for a, want in expected.items()}

    assert wait_until(lambda: counted() == expected, 60, 1.0)
    shown = j.metrics(journey_id)
    assert (shown["ENDPOINT_ENTERED"], shown["ENDPOINT_LEFT"], shown["ENDPOINT_ACTIVE"]) == (5, 5, 0)

    # The report draws the journey with the same figures, card by card.
    out = tmp_path / "report.html"
    done = engage(
        "events", "report", "--app", j.app, "--out", str(out), state_dir=local_stack.state_dir, timeout=120
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    drawn = page[page.index(f'data-journey="{journey_id}"') :]
    for activity, want in expected.items():
        card = drawn[drawn.index(f'data-activity="{activity}"') :].split("</div>", 2)[1]
        assert f"<dt>entered</dt><dd>{want['TOTAL']}</dd>" in card, (activity, card)
    call = drawn[drawn.index('data-activity="call"') :].split("</dl>", 1)[0]
    assert "<dt>sent</dt><dd>1</dd>" in call

    # GetJourneyDateRangeKpi: each email engagement metric, by activity, equals the lake's events.
    where = f"application_id = '{j.app}' AND journey_id = '{journey_id}'"

    def in_lake():
        rows = j.lake(
            "SELECT journey_activity_id AS activity, event_type, count(*) AS n "
            f"FROM email_all_events WHERE {where} GROUP BY 1, 2"
        )
        return {(r["activity"], r["event_type"]): r["n"] for r in rows}

    assert wait_until(lambda: in_lake().get(("hello", "_email.open")) == 2, 90, 2.0)
    lake = in_lake()
    for measure, event_type in (("sent", "_email.send"), ("delivered", "_email.delivered"),
                                ("opened", "_email.open"), ("clicked", "_email.click"),
                                ("hardbounced", "_email.hardbounce")):  # fmt: skip
        answer = pinpoint.get_journey_date_range_kpi(
            ApplicationId=j.app, JourneyId=journey_id, KpiName=f"emails-{measure}-grouped-by-journey-activity"
        )["JourneyDateRangeKpiResponse"]
        shown = {
            r["GroupedBys"][0]["Value"]: float(r["Values"][0]["Value"]) for r in answer["KpiResult"]["Rows"]
        }
        assert shown == {a: float(n) for (a, t), n in lake.items() if t == event_type}, measure
    sent = pinpoint.get_journey_date_range_kpi(
        ApplicationId=j.app, JourneyId=journey_id, KpiName="journey-emails-sent"
    )
    assert sent["JourneyDateRangeKpiResponse"]["KpiResult"]["Rows"][0]["Values"][0]["Value"] == "4.0"
