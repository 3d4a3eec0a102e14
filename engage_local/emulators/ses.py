"""The SES v2 operations moto lacks or cannot make realistic, emulated with state: sending (with the
account's send quota and rate enforced, the account-level suppression list applied, and the events a
configuration set's destinations receive), the account (quota, suppression and VDM attributes), the
suppression list, configuration-set event destinations, and VDM export jobs that move through
PENDING, PROCESSING and COMPLETED, FAILED or CANCELLED on the emulator's clock.

Mail to an address of the active receipt rule set is also received: its rules' Lambda actions run
with SES's receipt event. Outcomes follow the SES mailbox simulator: success@, bounce@, complaint@, ooto@ and
suppressionlist@simulator.amazonses.com (labels such as success+x@ allowed). Local additions, for
engagement: a recipient whose local part carries +open or +click also produces Open (and Click)
events, and delay@simulator.amazonses.com a DeliveryDelay before its Delivery.

The records are of the shapes the SES developer guide documents (its samples are kept under
events/aws/ses/; tests/unit/email/test_aws_shapes_ses.py compares the two key by key).
"""

from __future__ import annotations

import collections
import csv
import email
import email.policy
import io
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, getaddresses
from typing import Any

from botocore.exceptions import ClientError

from engage_local.emulators.framework import ApiError, Clock, Emulator

ACCOUNT = "123456789012"
SIMULATOR_DOMAIN = "simulator.amazonses.com"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"
EXPORT_BUCKET = "engage-local-ses-exports"
PENDING_SECONDS, PROCESSING_SECONDS = 30, 60  # on the emulator's clock
DETAIL_TYPES = {
    "Send": "Email Sent",
    "Delivery": "Email Delivered",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Open": "Email Opened",
    "Click": "Email Clicked",
    "DeliveryDelay": "Email Delivery Delayed",
    "Reject": "Email Rejected",
}
METRIC_EVENTS = {
    "SEND": "Send",
    "DELIVERY": "Delivery",
    "COMPLAINT": "Complaint",
    "OPEN": "Open",
    "CLICK": "Click",
    "PERMANENT_BOUNCE": "Bounce:Permanent",
    "TRANSIENT_BOUNCE": "Bounce:Transient",
}


class SesState:
    def __init__(
        self,
        region: str,
        clock: Clock,
        publish: Callable[[dict[str, Any], dict[str, Any]], None],
        clients: Any,
    ) -> None:
        self.region = region
        self.clock = clock
        self.publish = publish
        self.clients = clients
        self.lock = threading.RLock()
        self.send_quota = {"Max24HourSend": 50000.0, "MaxSendRate": 14.0}
        self.suppressed_reasons = ["BOUNCE", "COMPLAINT"]
        self.vdm_enabled = False
        self.sending_enabled = True
        self.paused_sets: set[str] = set()  # configuration sets whose sending is paused
        self.sent: collections.deque[tuple[float, int]] = collections.deque()  # (time, recipients)
        self.suppressed: dict[str, dict[str, Any]] = {}
        self.destinations: dict[str, dict[str, dict[str, Any]]] = {}
        self.history: list[dict[str, Any]] = []  # every event published, for VDM exports
        self.jobs: dict[str, dict[str, Any]] = {}

    # --- account -------------------------------------------------------------------------------
    def _sent_last(self, seconds: float) -> int:
        now = self.clock.now().timestamp()
        while self.sent and now - self.sent[0][0] > 86400:
            self.sent.popleft()
        return sum(n for at, n in self.sent if now - at <= seconds)

    def get_account(self, _params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return {
                "DedicatedIpAutoWarmupEnabled": False,
                "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": True,
                "SendingEnabled": self.sending_enabled,
                "SendQuota": {**self.send_quota, "SentLast24Hours": float(self._sent_last(86400))},
                "SuppressionAttributes": {"SuppressedReasons": list(self.suppressed_reasons)},
                "VdmAttributes": {"VdmEnabled": "ENABLED" if self.vdm_enabled else "DISABLED"},
            }

    def put_account_suppression_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        self.suppressed_reasons = list(params.get("SuppressedReasons", []))
        return {}

    def put_account_sending_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        self.sending_enabled = bool(params.get("SendingEnabled", True))
        return {}

    def put_account_vdm_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        self.vdm_enabled = params["VdmAttributes"].get("VdmEnabled") == "ENABLED"
        return {}

    # --- suppression list ----------------------------------------------------------------------
    def put_suppressed_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        self._suppress(params["EmailAddress"], params["Reason"], None, None)
        return {}

    def _suppress(self, address: str, reason: str, message_id: str | None, feedback_id: str | None) -> None:
        attributes = {k: v for k, v in (("MessageId", message_id), ("FeedbackId", feedback_id)) if v}
        with self.lock:
            self.suppressed[address.lower()] = {
                "EmailAddress": address.lower(),
                "Reason": reason,
                "LastUpdateTime": self.clock.now(),
                "Attributes": attributes,
            }

    def get_suppressed_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self.suppressed.get(params["EmailAddress"].lower())
        if entry is None:
            raise ApiError(
                "NotFoundException", f"{params['EmailAddress']} is not on the suppression list", 404
            )
        return {"SuppressedDestination": entry}

    def delete_suppressed_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.suppressed.pop(params["EmailAddress"].lower(), None) is None:
                raise ApiError(
                    "NotFoundException", f"{params['EmailAddress']} is not on the suppression list", 404
                )
        return {}

    def list_suppressed_destinations(self, params: dict[str, Any]) -> dict[str, Any]:
        reasons = params.get("Reasons")
        return {
            "SuppressedDestinationSummaries": [
                {k: v for k, v in e.items() if k != "Attributes"}
                for e in self.suppressed.values()
                if not reasons or e["Reason"] in reasons
            ]
        }

    def put_configuration_set_sending_options(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ConfigurationSetName"]
        self._configuration_set(name)
        with self.lock:
            if params.get("SendingEnabled", True):
                self.paused_sets.discard(name)
            else:
                self.paused_sets.add(name)
        return {}

    # --- configuration-set event destinations --------------------------------------------------
    def _configuration_set(self, name: str) -> None:
        try:
            self.clients.client("sesv2").get_configuration_set(ConfigurationSetName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":
                raise
            raise ApiError("NotFoundException", f"Configuration set <{name}> does not exist.", 404) from None

    def create_configuration_set_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        self._configuration_set(params["ConfigurationSetName"])
        with self.lock:
            existing = self.destinations.setdefault(params["ConfigurationSetName"], {})
            if params["EventDestinationName"] in existing:
                raise ApiError("AlreadyExistsException", "event destination already exists")
            existing[params["EventDestinationName"]] = {
                "Name": params["EventDestinationName"],
                **params["EventDestination"],
            }
        return {}

    def update_configuration_set_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        existing = self.destinations.get(params["ConfigurationSetName"], {})
        if params["EventDestinationName"] not in existing:
            raise ApiError("NotFoundException", "no such event destination", 404)
        existing[params["EventDestinationName"]] = {
            "Name": params["EventDestinationName"],
            **params["EventDestination"],
        }
        return {}

    def delete_configuration_set_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if (
                self.destinations.get(params["ConfigurationSetName"], {}).pop(
                    params["EventDestinationName"], None
                )
                is None
            ):
                raise ApiError("NotFoundException", "no such event destination", 404)
        return {}

    def get_configuration_set_event_destinations(self, params: dict[str, Any]) -> dict[str, Any]:
        self._configuration_set(params["ConfigurationSetName"])
        return {"EventDestinations": list(self.destinations.get(params["ConfigurationSetName"], {}).values())}

    # --- sending -------------------------------------------------------------------------------
    def send_email(self, params: dict[str, Any]) -> dict[str, Any]:
        mail = _mail(params)
        recipients = mail["destination"]
        if not recipients:
            raise ApiError("BadRequestException", "The message has no recipients")
        if params.get("ConfigurationSetName"):
            self._configuration_set(params["ConfigurationSetName"])
        paused_set = params.get("ConfigurationSetName") in self.paused_sets
        if not self.sending_enabled or paused_set:  # botocore's sesv2 model: SendingPausedException
            raise ApiError(
                "SendingPausedException",
                "The message can't be sent because the account's ability to send email is currently paused.",
                400,
            )
        with self.lock:
            if self._sent_last(1) + len(recipients) > self.send_quota["MaxSendRate"]:
                raise ApiError("TooManyRequestsException", "Maximum sending rate exceeded.", 429)
            if self._sent_last(86400) + len(recipients) > self.send_quota["Max24HourSend"]:
                raise ApiError("LimitExceededException", "Daily message quota exceeded.")
            self.sent.append((self.clock.now().timestamp(), len(recipients)))
        message_id = f"{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000"
        mail.update(
            {
                "timestamp": _iso(self.clock.now()),
                "messageId": message_id,
                "sendingAccountId": ACCOUNT,
                "sourceArn": f"arn:aws:ses:{self.region}:{ACCOUNT}:identity/{mail['source'].split('@')[-1]}",
                "tags": _tags(params, mail),
            }
        )
        # SES's id, unless the message carried a Message-ID of its own (the guide's examples).
        mail["commonHeaders"].setdefault("messageId", message_id)
        self._events(params.get("ConfigurationSetName"), mail, recipients)
        self._receive(mail, recipients)
        return {"MessageId": message_id}

    # --- receiving -------------------------------------------------------------------------------
    def _receive(self, mail: dict[str, Any], recipients: list[str]) -> None:
        """Mail to an address the active receipt rule set names is received, as SES receiving
        does: each enabled rule whose recipients match runs its Lambda actions (in rule order,
        until a StopAction), with the receipt event SES hands a function."""
        try:
            active = self.clients.client("ses").describe_active_receipt_rule_set()
        except ClientError:
            return
        for rule in active.get("Rules", []):
            matched = [r for r in recipients if rule.get("Enabled") and _receives(rule.get("Recipients"), r)]
            if not matched:
                continue
            for action in rule.get("Actions", []):
                if "StopAction" in action:
                    return
                lambda_action = action.get("LambdaAction")
                if lambda_action:
                    self.clients.client("lambda").invoke(
                        FunctionName=lambda_action["FunctionArn"],
                        InvocationType=lambda_action.get("InvocationType", "Event"),
                        Payload=json.dumps(
                            _receipt_event(mail, matched, lambda_action, bool(rule.get("ScanEnabled")))
                        ),
                    )

    def _events(self, configuration_set: str | None, mail: dict[str, Any], recipients: list[str]) -> None:
        now = self.clock.now()
        events: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
        for recipient in recipients:
            events.extend(self._outcome(mail, recipient, now))
        for event in events:
            self.history.append(
                {
                    "at": now,
                    "dimensions": {
                        "EMAIL_IDENTITY": mail["source"].split("@")[-1],
                        "CONFIGURATION_SET": configuration_set or "",
                        "ISP": _isp(mail["destination"][0] if mail.get("destination") else ""),
                    },
                    "event": event,
                }
            )
            if configuration_set:
                self._publish(configuration_set, event)

    def _outcome(self, mail: dict[str, Any], recipient: str, now: datetime) -> list[dict[str, Any]]:
        local, _, domain = recipient.lower().partition("@")
        base, _, label = local.partition("+")
        feedback = f"{uuid.uuid4().hex}-000000"
        if domain == SIMULATOR_DOMAIN:
            # The simulator's addresses are never put on the account's suppression list (SES's
            # developer guide), so a test can bounce or complain as often as it needs: each address
            # plays its scenario even after an application suppressed it itself on an earlier bounce.
            if base == "bounce":
                return [_bounce(mail, recipient, now, feedback, "Permanent", "General")]
            if base == "suppressionlist":
                return [_bounce(mail, recipient, now, feedback, "Permanent", "OnAccountSuppressionList")]
            if base == "complaint":
                return [
                    _delivery(mail, recipient, now),
                    {
                        "eventType": "Complaint",
                        "mail": mail,
                        "complaint": {
                            "complainedRecipients": [{"emailAddress": recipient}],
                            "timestamp": _iso(now),
                            "feedbackId": feedback,
                            "userAgent": "Amazon SES Mailbox Simulator",
                            "complaintFeedbackType": "abuse",
                            "arrivalDate": _iso(now),
                        },
                    },
                ]
            if base == "delay":
                return [
                    {
                        "eventType": "DeliveryDelay",
                        "mail": mail,
                        "deliveryDelay": {
                            "timestamp": _iso(now),
                            "delayType": "TransientCommunicationFailure",
                            "expirationTime": _iso(now + timedelta(hours=12)),
                            "reportingMTA": REPORTING_MTA,
                            "delayedRecipients": [
                                {
                                    "emailAddress": recipient,
                                    "status": "4.4.1",
                                    "diagnosticCode": "smtp; 421 4.4.1 Unable to connect",
                                }
                            ],
                        },
                    },
                    _delivery(mail, recipient, now),
                ]
        elif recipient.lower() in self.suppressed:
            return [_bounce(mail, recipient, now, feedback, "Permanent", "OnAccountSuppressionList")]
        events = [_delivery(mail, recipient, now)]
        if label in ("open", "click"):
            events.append(
                {
                    "eventType": "Open",
                    "mail": mail,
                    "open": {"ipAddress": "192.0.2.1", "timestamp": _iso(now), "userAgent": "Mozilla/5.0"},
                }
            )
        if label == "click":
            events.append(
                {
                    "eventType": "Click",
                    "mail": mail,
                    "click": {
                        "ipAddress": "192.0.2.1",
                        "timestamp": _iso(now),
                        "userAgent": "Mozilla/5.0",
                        "link": "https://example.com/offer",
                        "linkTags": {},
                    },
                }
            )
        return events

    def _publish(self, configuration_set: str, event: dict[str, Any]) -> None:
        kind = event["eventType"].upper().replace("DELIVERYDELAY", "DELIVERY_DELAY")
        for destination in self.destinations.get(configuration_set, {}).values():
            if destination.get("Enabled", True) and kind in destination.get("MatchingEventTypes", []):
                source = f"arn:aws:ses:{self.region}:{ACCOUNT}:configuration-set/{configuration_set}"
                self.publish(destination, event, ("ses.amazonaws.com", source))
                bus = (destination.get("EventBridgeDestination") or {}).get("EventBusArn")
                if bus:
                    self.clients.client("events").put_events(
                        Entries=[
                            {
                                "Source": "aws.ses",
                                "DetailType": DETAIL_TYPES.get(event["eventType"], "Email Event"),
                                "Detail": json.dumps(event, default=str),
                                "EventBusName": bus,
                            }
                        ]
                    )

    # --- VDM export jobs -----------------------------------------------------------------------
    def create_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        source = params["ExportDataSource"]
        if "MetricsDataSource" in source:
            metrics = source["MetricsDataSource"]
            if not 1 <= len(metrics.get("Dimensions", {})) <= 3:
                raise ApiError("BadRequestException", "Between 1 and 3 dimensions are required")
            if not 1 <= len(metrics.get("Metrics", [])) <= 10:
                raise ApiError("BadRequestException", "Between 1 and 10 metrics are required")
        job_id = str(uuid.uuid4())
        with self.lock:
            self.jobs[job_id] = {
                "JobId": job_id,
                "ExportSourceType": "METRICS_DATA" if "MetricsDataSource" in source else "MESSAGE_INSIGHTS",
                "ExportDestination": dict(params["ExportDestination"]),
                "ExportDataSource": source,
                "CreatedTimestamp": self.clock.now(),
                "cancelled": False,
            }
        return {"JobId": job_id}

    def _job_view(self, job: dict[str, Any]) -> dict[str, Any]:
        """Advances the job on the emulator's clock and returns it as GetExportJob answers."""
        elapsed = (self.clock.now() - job["CreatedTimestamp"]).total_seconds()
        view = {k: v for k, v in job.items() if k != "cancelled" and not k.startswith("_")}
        if job["cancelled"]:
            return {**view, "JobStatus": "CANCELLED"}
        if elapsed < PENDING_SECONDS:
            return {**view, "JobStatus": "CREATED"}
        if elapsed < PROCESSING_SECONDS:
            return {**view, "JobStatus": "PROCESSING"}
        if "_outcome" not in job:
            job["_outcome"] = self._run_export(job)
        return {**view, **job["_outcome"]}

    def _run_export(self, job: dict[str, Any]) -> dict[str, Any]:
        completed = job["CreatedTimestamp"] + timedelta(seconds=PROCESSING_SECONDS)
        if job["ExportSourceType"] == "METRICS_DATA" and not self.vdm_enabled:
            return {
                "JobStatus": "FAILED",
                "CompletedTimestamp": completed,
                "FailureInfo": {
                    "ErrorMessage": "Virtual Deliverability Manager is not enabled for this account"
                },
            }
        source = job["ExportDataSource"].get("MetricsDataSource", {})
        rows = self._metric_rows(source)
        data_format = job["ExportDestination"].get("DataFormat", "CSV")
        columns = ["Timestamp", *source.get("Dimensions", {}), "Name", "Aggregation", "Value"]
        body = _render(rows, columns, data_format)
        key = f"{job['JobId']}/export.{data_format.lower()}"
        s3 = self.clients.client("s3")
        s3.create_bucket(Bucket=EXPORT_BUCKET)
        s3.put_object(Bucket=EXPORT_BUCKET, Key=key, Body=body)
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": EXPORT_BUCKET, "Key": key}, ExpiresIn=3600
        )
        return {
            "JobStatus": "COMPLETED",
            "CompletedTimestamp": completed,
            "ExportDestination": {**job["ExportDestination"], "S3Url": url},
            "Statistics": {"ProcessedRecordsCount": len(self.history), "ExportedRecordsCount": len(rows)},
        }

    def _metric_rows(self, source: dict[str, Any]) -> list[dict[str, Any]]:
        """The export's records as SES writes them (events/aws/vdm/): one per day, combination of
        the requested dimensions' values ("*" for any) and metric: `Timestamp`, a column per
        dimension, `Name`, `Aggregation`, `Value` (a RATE relative to the same day's sends)."""
        start, end = source.get("StartDate"), source.get("EndDate")
        dimensions = source.get("Dimensions", {})
        counts: dict[tuple[str, ...], collections.Counter] = collections.defaultdict(collections.Counter)
        for item in self.history:
            if (start and item["at"] < start) or (end and item["at"] >= end):
                continue
            values = item["dimensions"]
            if any("*" not in wanted and values[name] not in wanted for name, wanted in dimensions.items()):
                continue
            event = item["event"]
            name = event["eventType"]
            if name == "Bounce":
                name = f"Bounce:{event['bounce']['bounceType']}"
            counts[(item["at"].date().isoformat(), *(values[d] for d in dimensions))][name] += 1
        rows = []
        for (day, *grouped), counter in sorted(counts.items()):
            point = {"Timestamp": f"{day}T00:00:00Z", **dict(zip(dimensions, grouped, strict=True))}
            for metric in source.get("Metrics", []):
                aggregation = metric.get("Aggregation", "VOLUME")
                volume = counter[METRIC_EVENTS.get(metric["Name"], metric["Name"])]
                sends = counter["Send"]
                value = volume if aggregation == "VOLUME" else round(volume / sends, 4) if sends else 0.0
                rows.append({**point, "Name": metric["Name"], "Aggregation": aggregation, "Value": value})
        return rows

    def get_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.get(params["JobId"])
        if job is None:
            raise ApiError("NotFoundException", f"export job {params['JobId']} does not exist", 404)
        return self._job_view(job)

    def list_export_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        views = [self._job_view(j) for j in self.jobs.values()]
        wanted = params.get("JobStatus")
        return {
            "ExportJobs": [
                {
                    k: v[k]
                    for k in (
                        "JobId",
                        "ExportSourceType",
                        "JobStatus",
                        "CreatedTimestamp",
                        "CompletedTimestamp",
                    )
                    if k in v
                }
                for v in views
                if not wanted or v["JobStatus"] == wanted
            ]
        }

    def cancel_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self.get_export_job(params)
        if view["JobStatus"] not in ("CREATED", "PROCESSING"):
            raise ApiError(
                "ConflictException", f"export job is {view['JobStatus']} and can't be cancelled", 409
            )
        self.jobs[params["JobId"]]["cancelled"] = True
        return {}


ISPS = {"gmail.com": "Gmail", "googlemail.com": "Gmail", "yahoo.com": "Yahoo", "outlook.com": "Microsoft",
        "hotmail.com": "Microsoft", "live.com": "Microsoft", "icloud.com": "Apple"}  # fmt: skip


def _isp(address: str) -> str:
    """VDM's mailbox provider of an address (a few well-known domains; "Other" for the rest)."""
    return ISPS.get(address.rpartition("@")[2].lower(), "Other")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _mail(params: dict[str, Any]) -> dict[str, Any]:
    """The `mail` object of SES events, from a SendEmail request (simple or raw MIME)."""
    destination = params.get("Destination") or {}
    recipients = [
        *destination.get("ToAddresses", []),
        *destination.get("CcAddresses", []),
        *destination.get("BccAddresses", []),
    ]
    content = params.get("Content", {})
    source = params.get("FromEmailAddress", "")
    headers: list[dict[str, str]] = []
    common: dict[str, Any] = {}
    if "Raw" in content:
        message = email.message_from_bytes(content["Raw"]["Data"], policy=email.policy.default)
        headers = [{"name": k, "value": str(v)} for k, v in message.items()]
        source = source or str(message.get("From", ""))
        if not recipients:
            recipients = [a for _, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]
        common = {
            "from": [str(message.get("From", source))],
            "to": [str(message.get("To", ""))],
            "subject": str(message.get("Subject", "")),
        }
        if message.get("Message-ID"):
            common["messageId"] = str(message["Message-ID"])
    elif "Simple" in content:
        common = {
            "from": [source],
            "to": destination.get("ToAddresses", []),
            "subject": content["Simple"].get("Subject", {}).get("Data", ""),
        }
        headers = [{"name": "From", "value": source}, {"name": "Subject", "value": common["subject"]}]
    source_address = getaddresses([source])[0][1] or source
    return {
        "source": source_address,
        "destination": recipients,
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
    }


def _tags(params: dict[str, Any], mail: dict[str, Any]) -> dict[str, list[str]]:
    tags = {t["Name"]: [t["Value"]] for t in params.get("EmailTags", [])}
    tags["ses:source-ip"] = ["127.0.0.1"]  # the caller's address: this machine
    tags["ses:from-domain"] = [mail["source"].split("@")[-1]]
    tags["ses:caller-identity"] = ["local"]
    if params.get("ConfigurationSetName"):
        tags["ses:configuration-set"] = [params["ConfigurationSetName"]]
    return tags


def _delivery(mail: dict[str, Any], recipient: str, now: datetime) -> dict[str, Any]:
    return {
        "eventType": "Delivery",
        "mail": mail,
        "delivery": {
            "timestamp": _iso(now),
            "processingTimeMillis": 420,
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": REPORTING_MTA,
        },
    }


def _bounce(
    mail: dict[str, Any], recipient: str, now: datetime, feedback: str, kind: str, sub: str
) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "mail": mail,
        "bounce": {
            "bounceType": kind,
            "bounceSubType": sub,
            "timestamp": _iso(now),
            "feedbackId": feedback,
            "reportingMTA": f"dsn; {REPORTING_MTA}",
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
        },
    }


def _receives(rule_recipients: list[str] | None, address: str) -> bool:
    """SES's matching: no recipients means every address; an entry is an address, a domain, or
    a domain with its subdomains when it starts with a dot."""
    if not rule_recipients:
        return True
    address = address.lower()
    domain = address.rsplit("@", 1)[-1]
    for entry in (r.lower() for r in rule_recipients):
        if entry in (address, domain) or (entry.startswith(".") and domain.endswith(entry)):
            return True
    return False


def _receipt_event(
    mail: dict[str, Any], recipients: list[str], action: dict[str, Any], scanned: bool
) -> dict[str, Any]:
    """The event an SES receipt rule's Lambda action hands its function (the developer guide's
    "Sample incoming email event": camelCase action fields, and the received message's common
    headers with its Return-Path, Date and Message-ID, which SES adds when it sends)."""
    verdict = {"status": "PASS" if scanned else "DISABLED"}
    headers = {h["name"].lower(): h["value"] for h in reversed(mail["headers"])}
    common = mail.get("commonHeaders", {})
    received_action = {"type": "Lambda"}
    if action.get("TopicArn"):
        received_action["topicArn"] = action["TopicArn"]
    received_action["functionArn"] = action["FunctionArn"]
    received_action["invocationType"] = action.get("InvocationType", "Event")
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": mail["timestamp"],
                        "source": mail["source"],
                        "messageId": f"inbound-{uuid.uuid4().hex}",
                        "destination": mail["destination"],
                        "headersTruncated": False,
                        "headers": mail["headers"],
                        "commonHeaders": {
                            "returnPath": mail["source"],
                            "from": common.get("from") or [mail["source"]],
                            "date": headers.get("date")
                            or format_datetime(datetime.fromisoformat(mail["timestamp"])),
                            "to": common.get("to") or list(recipients),
                            "messageId": headers.get("message-id")
                            or f"<{mail['messageId']}@email.amazonses.com>",
                            "subject": common.get("subject", ""),
                        },
                    },
                    "receipt": {
                        "timestamp": mail["timestamp"],
                        "processingTimeMillis": 250,
                        "recipients": recipients,
                        "spamVerdict": verdict,
                        "virusVerdict": verdict,
                        "spfVerdict": {"status": "PASS"},
                        "dkimVerdict": {"status": "PASS"},
                        "dmarcVerdict": {"status": "PASS"},
                        "action": received_action,
                    },
                },
            }
        ]
    }


def _render(rows: list[dict[str, Any]], columns: list[str], data_format: str) -> bytes:
    """A metrics export file: JSON, one record per line, or CSV with a header row."""
    if data_format == "JSON":
        return "".join(json.dumps(r) + "\n" for r in rows).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def ses_emulator(state: SesState) -> Emulator:
    names = [
        "GetAccount",
        "PutAccountSuppressionAttributes",
        "PutAccountSendingAttributes",
        "PutConfigurationSetSendingOptions",
        "PutAccountVdmAttributes",
        "PutSuppressedDestination",
        "GetSuppressedDestination",
        "DeleteSuppressedDestination",
        "ListSuppressedDestinations",
        "CreateConfigurationSetEventDestination",
        "UpdateConfigurationSetEventDestination",
        "DeleteConfigurationSetEventDestination",
        "GetConfigurationSetEventDestinations",
        "SendEmail",
        "CreateExportJob",
        "GetExportJob",
        "ListExportJobs",
        "CancelExportJob",
    ]
    return Emulator.serving("sesv2", state, names)
