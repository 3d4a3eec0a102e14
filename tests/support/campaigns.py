"""Campaigns on the local stack, for the e2e tests: one application's audience, campaigns and
runs, and what they sent."""

from __future__ import annotations

import json
import time
import uuid

from engage.sending.text_context import unpack


class Campaigning:
    """One application's audience, campaigns and runs on the local stack, and what they sent."""

    def __init__(self, local_stack, pinpoint):
        from engage.adapters.dynamodb.consent import DynamoConsentStore
        from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
        from engage.contacts import ContactStore

        from tests.support.apps import create_app
        from tests.support.topics import TopicInbox

        self.stack, self.pinpoint = local_stack, pinpoint
        self.outputs = local_stack.stacks["engage"].outputs
        self.app = create_app(pinpoint, "campaigns")
        dynamodb = local_stack.client("dynamodb")
        self.contacts = ContactStore(DynamoEndpointRepository(self.outputs["ContactsTableName"], dynamodb))
        self.consent = DynamoConsentStore(self.outputs["ConsentTableName"], dynamodb)
        self.numbers = 0
        self.inbox = TopicInbox(local_stack, self.outputs["CampaignTopicArn"], f"campaign-{self.app}")

    def people(self, ids, **fields):
        for endpoint_id in ids:
            self.numbers += 1  # distinct numbers: consent and suppression are per number
            number = f"+1206555{self.numbers:04d}"
            self.contacts.upsert(self.app, endpoint_id, {"ChannelType": "SMS", "Address": number, **fields})

    def readers(self, addresses, **fields):
        """Email endpoints (endpoint id: address) in the gold segment."""
        for endpoint_id, address in addresses.items():
            self.contacts.upsert(
                self.app,
                endpoint_id,
                {"ChannelType": "EMAIL", "Address": address, "Attributes": {"Plan": ["gold"]}, **fields},
            )

    def email_campaign(self, **request):
        """An IMMEDIATE email campaign to the gold segment."""
        message = {
            "EmailMessage": {"FromAddress": "news@example.com", "Title": "Hi", "HtmlBody": "<p>Hi</p>"}
        }
        return self.campaign(SegmentId=self.segment()["Id"], MessageConfiguration=message, **request)

    def segment(self, attribute="Plan", value="gold"):
        request = {
            "Name": value,
            "Dimensions": {"Attributes": {attribute: {"AttributeType": "INCLUSIVE", "Values": [value]}}},
        }
        return self.pinpoint.create_segment(ApplicationId=self.app, WriteSegmentRequest=request)[
            "SegmentResponse"
        ]

    def campaign(self, **request):
        return self.pinpoint.create_campaign(
            ApplicationId=self.app,
            WriteCampaignRequest={"Name": "offer", "Schedule": {"StartTime": "IMMEDIATE"}, **request},
        )["CampaignResponse"]

    def event_campaign(self, event_type, body, segment_value="gold"):
        """An SMS campaign to a segment, triggered by each `event_type` event of its members."""
        return self.campaign(
            SegmentId=self.segment(value=segment_value)["Id"],
            MessageConfiguration={"SMSMessage": {"Body": body}},
            Schedule={
                "StartTime": "IMMEDIATE",
                "Frequency": "EVENT",
                "EventFilter": {
                    "FilterType": "ENDPOINT",
                    "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": [event_type]}},
                },
            },
        )

    @staticmethod
    def started(campaign):
        """The run CreateCampaign started for an IMMEDIATE campaign."""
        return f"{campaign['Id']}-v{campaign['Version']}"

    def start(self, campaign_id, run_id=None):
        run_id = run_id or f"run-{uuid.uuid4().hex[:8]}"
        self.stack.client("stepfunctions").start_execution(
            stateMachineArn=self.outputs["CampaignWorkflowArn"],
            name=run_id,
            input=json.dumps({"ApplicationId": self.app, "CampaignId": campaign_id}),
        )
        return run_id

    def notified(self, run_id, timeout=90):
        from engage_local.api import wait_until

        assert wait_until(lambda: self.inbox.about(lambda body: body.get("Id") == run_id), timeout, 0.2)
        ((kind, summary),) = self.inbox.about(lambda body: body.get("Id") == run_id)
        return kind, summary

    def texts(self, campaign_id):
        return [
            e
            for e in self.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if unpack(e["request"].get("Context")).get("campaign_id") == campaign_id
        ]

    def all_texts(self, campaign_id, count, timeout=60):
        from engage_local.api import wait_until

        assert wait_until(lambda: len(self.texts(campaign_id)) >= count, timeout, 0.2)
        time.sleep(0.5)  # and nothing more arrives
        return self.texts(campaign_id)

    def warm_the_sender(self):
        """Sends one text through a campaign first. A cold sender's first calls wait together on its
        clients' first use and reach the emulator in a bunch, however they were paced; a test of
        pacing times a warm one."""
        self.people(["warm"], Attributes={"Plan": ["warm"]})
        warm = self.campaign(
            SegmentId=self.segment(value="warm")["Id"], MessageConfiguration={"SMSMessage": {"Body": "Hi"}}
        )
        assert self.notified(self.started(warm))[0] == "success"
        assert len(self.all_texts(warm["Id"], 1)) == 1

    def drop(self, name, body, **metadata):
        """A file dropped for the import, validate, campaign chain (its template and approval in
        the object's metadata)."""
        self.stack.client("s3").put_object(
            Bucket=self.outputs["ImportBucketName"],
            Key=f"campaign-imports/{self.app}/{name}",
            Body=body,
            Metadata=metadata,
        )

    def chain_notice(self, kind, timeout=120, run_id=None):
        """The chain's notification of a kind for this application (and run); the campaign
        workflow's own notifications (activities, on the same topic) are not the chain's."""
        from engage_local.api import wait_until

        def mine(body):
            return body.get("app_id") == self.app and "run_id" in body and run_id in (None, body["run_id"])

        def found():
            return [body for k, body in self.inbox.about(mine) if k == kind]

        assert wait_until(found, timeout, 0.2), (
            f"no {kind} notice; got {[k for k, _ in self.inbox.about(mine)]}"
        )
        return found()[0]

    def approval_requests(self):
        """The chain's requests for approval of this application's runs."""
        return [
            b
            for k, b in self.inbox.about(lambda b: b.get("ApplicationId") == self.app)
            if k == "approval_requested"
        ]

    def number(self, endpoint_id):
        return self.contacts.get(self.app, endpoint_id)["Address"]
