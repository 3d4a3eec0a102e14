"""Journeys on the local stack, for the e2e tests: one application's people, templates, segment and
journeys, the clock, and what the journeys sent."""

from __future__ import annotations

from datetime import timedelta

from engage.sending.text_context import unpack

from engage_local.api import wait_until

FROM = "news@example.com"  # the application has no email channel to default to


class Journeying:
    def __init__(self, local_stack, pinpoint):
        from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
        from engage.adapters.dynamodb.participants import DynamoParticipants
        from engage.contacts import ContactStore

        from tests.support.apps import create_app

        self.stack, self.pinpoint = local_stack, pinpoint
        self.outputs = local_stack.stacks["engage"].outputs
        self.app = create_app(pinpoint, "journeys")
        dynamodb = local_stack.client("dynamodb")
        self.contacts = ContactStore(DynamoEndpointRepository(self.outputs["ContactsTableName"], dynamodb))
        self.participants = DynamoParticipants(self.outputs["JourneyParticipantsTableName"], dynamodb)
        self.numbers = 0
        self.email_template = f"journey-mail-{self.app[:8]}"
        self.sms_template = f"journey-text-{self.app[:8]}"
        pinpoint.create_email_template(
            TemplateName=self.email_template,
            EmailTemplateRequest={"Subject": "Welcome", "TextPart": "Hello {{User.UserId}}"},
        )
        pinpoint.create_sms_template(
            TemplateName=self.sms_template, SMSTemplateRequest={"Body": "Still there?"}
        )

    # --- the audience ------------------------------------------------------------------------------
    def email(self, endpoint_id, address, user=None, plan="gold"):
        fields = {"ChannelType": "EMAIL", "Address": address, "Attributes": {"Plan": [plan]}}
        if user:
            fields["User"] = {"UserId": user}
        self.contacts.upsert(self.app, endpoint_id, fields)

    def phone(self, endpoint_id, user=None, plan="gold"):
        self.numbers += 1
        fields = {
            "ChannelType": "SMS",
            "Address": f"+1206555{self.numbers:04d}",
            "Attributes": {"Plan": [plan]},
        }
        if user:
            fields["User"] = {"UserId": user}
        self.contacts.upsert(self.app, endpoint_id, fields)
        return fields["Address"]

    def segment(self, value="gold"):
        request = {
            "Name": value,
            "Dimensions": {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": [value]}}},
        }
        return self.pinpoint.create_segment(ApplicationId=self.app, WriteSegmentRequest=request)[
            "SegmentResponse"
        ]["Id"]

    # --- journeys ---------------------------------------------------------------------------------
    def schedule(self, days=30, hours=0):
        now = self.stack.clock.now()
        return {
            "StartTime": (now - timedelta(minutes=1)).isoformat(),
            "EndTime": (now + (timedelta(hours=hours) if hours else timedelta(days=days))).isoformat(),
            "Timezone": "UTC",
        }

    def activities(self, wait="P1D"):
        """Email, wait, SMS: the shape of the sample's welcome series."""
        return {
            "welcomeEmail": {
                "EMAIL": {
                    "TemplateName": self.email_template,
                    "MessageConfig": {"FromAddress": FROM},
                    "NextActivity": "wait1",
                }
            },
            "wait1": {"Wait": {"WaitTime": {"WaitFor": wait}, "NextActivity": "reminderSms"}},
            "reminderSms": {
                "SMS": {"TemplateName": self.sms_template, "MessageConfig": {"MessageType": "PROMOTIONAL"}}
            },
        }

    def create(self, request):
        return self.pinpoint.create_journey(ApplicationId=self.app, WriteJourneyRequest=request)[
            "JourneyResponse"
        ]

    def state(self, journey_id, state):
        return self.pinpoint.update_journey_state(
            ApplicationId=self.app, JourneyId=journey_id, JourneyStateRequest={"State": state}
        )["JourneyResponse"]

    def event(self, endpoint_id, event_type, event_id):
        """PutEvents for one endpoint, stamped on the stack's clock."""
        stamp = self.stack.clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.pinpoint.put_events(
            ApplicationId=self.app,
            EventsRequest={
                "BatchItem": {
                    endpoint_id: {
                        "Endpoint": {},
                        "Events": {event_id: {"EventType": event_type, "Timestamp": stamp}},
                    }
                }
            },
        )

    # --- what happened ---------------------------------------------------------------------------
    def emails(self, journey_id):
        return [
            e
            for e in self.stack.emulated.outbox.entries("sesv2", "SendEmail")
            if {"Name": "journey_id", "Value": journey_id} in e["request"].get("EmailTags", [])
            and "response" in e
        ]

    def texts(self, journey_id):
        return [
            e
            for e in self.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if unpack(e["request"].get("Context")).get("journey_id") == journey_id and "response" in e
        ]

    def sent(self, journey_id, emails, texts, timeout=60):
        """Waits until the journey has sent that many emails and texts, and checks nothing more came."""
        assert wait_until(
            lambda: len(self.emails(journey_id)) >= emails and len(self.texts(journey_id)) >= texts,
            timeout,
            0.2,
        ), (len(self.emails(journey_id)), len(self.texts(journey_id)), self.ledger(journey_id))
        assert self.stack.quiesce(30)  # nothing queued, running or on its way: nothing more comes
        assert (len(self.emails(journey_id)), len(self.texts(journey_id))) == (emails, texts)
        return self.emails(journey_id), self.texts(journey_id)

    def ledger(self, journey_id):
        """The journey's sends in the send ledger: key, status and reason."""
        items = self.stack.client("dynamodb").scan(TableName=self.outputs["SendsTableName"])["Items"]
        return [
            (i["pk"]["S"], i.get("status", {}).get("S"), i.get("reason", {}).get("S"))
            for i in items
            if f"#{journey_id}#" in i["pk"]["S"]
        ]

    # --- metrics and the lake ------------------------------------------------------------------------
    def metrics(self, journey_id, activity_id=None, run_id=None):
        """A journey's (or one activity's, or one run's) execution metrics through Pinpoint's API."""
        ids = {"ApplicationId": self.app, "JourneyId": journey_id}
        if activity_id and run_id:
            answer = self.pinpoint.get_journey_run_execution_activity_metrics(
                **ids, JourneyActivityId=activity_id, RunId=run_id
            )["JourneyRunExecutionActivityMetricsResponse"]
        elif activity_id:
            answer = self.pinpoint.get_journey_execution_activity_metrics(
                **ids, JourneyActivityId=activity_id
            )["JourneyExecutionActivityMetricsResponse"]
        elif run_id:
            answer = self.pinpoint.get_journey_run_execution_metrics(**ids, RunId=run_id)[
                "JourneyRunExecutionMetricsResponse"
            ]
        else:
            answer = self.pinpoint.get_journey_execution_metrics(**ids)["JourneyExecutionMetricsResponse"]
        return {k: int(v) for k, v in answer["Metrics"].items()}

    def runs(self, journey_id):
        return self.pinpoint.get_journey_runs(ApplicationId=self.app, JourneyId=journey_id)[
            "JourneyRunsResponse"
        ]["Item"]

    def lake(self, sql):
        """Rows of a query of the event lake's views (`engage events query`)."""
        import json

        from tests.support.cli import engage

        done = engage("events", "query", sql, "--json", state_dir=self.stack.state_dir, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def people_in(self, journey_id):
        return {p.key: p for p in self.participants.all(self.app, journey_id)}

    def advance(self, seconds):
        moved = self.stack.advance_clock(seconds)
        assert not moved["unsettled"], moved
        return moved
