"""Push-style triggers with Lambda's semantics: SNS subscriptions to Lambda (the real SNS event,
message attributes included, after the subscription's filter policy), EventBridge rule targets moto
does not deliver (Lambda, Step Functions) and the SQS targets (with Input, InputPath and
InputTransformer), and schedules (EventBridge scheduled rules, EventBridge Scheduler) fired on
demand by `tick`."""

from __future__ import annotations

import json
import logging
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engage import clock
from engage.adapters.clients import ClientFactory
from moto.events import models as events_models
from moto.s3 import notifications as s3_notifications
from moto.scheduler import models as scheduler_models
from moto.sns import models as sns_models
from moto.stepfunctions import responses as sfn_responses

from engage_local.iam.principals import active
from engage_local.invoker import Invoker, now_iso

log = logging.getLogger("engage_local.routing")
OUR_TARGETS = frozenset({"lambda", "states", "sqs", "sns"})


def sns_event(
    subscription: Any,
    message: str,
    message_id: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    topic = subscription.topic.arn
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": now_iso(),
                    "SignatureVersion": "1",
                    "Signature": "local",
                    "SigningCertUrl": "https://sns.local/cert.pem",
                    "UnsubscribeUrl": f"https://sns.local/?Action=Unsubscribe&SubscriptionArn={subscription.arn}",
                    "MessageAttributes": {
                        name: {
                            "Type": value.get("DataType", value.get("Type")),
                            "Value": value.get("StringValue", value.get("Value", value.get("BinaryValue"))),
                        }
                        for name, value in (attributes or {}).items()
                    },
                },
            }
        ]
    }


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What a rule target receives: Input (a constant), InputPath (a part of the event), an
    InputTransformer's rendering, or the event itself."""
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return _json_path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer:
        return render_input_template(
            transformer.get("InputTemplate", ""), transformer.get("InputPathsMap", {}), event
        )
    return event


def _json_path(document: Any, path: str) -> Any:
    value: Any = document
    for part in [p for p in path.lstrip("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render_input_template(template: str, paths: dict[str, str], event: dict[str, Any]) -> Any:
    """EventBridge's InputTransformer: a placeholder inside a JSON string takes the value as text; one
    outside takes it as JSON (a string value arrives quoted). The result is JSON when it parses."""
    values = {name: _json_path(event, path) for name, path in paths.items()}
    values["aws.events.event"] = values["aws.events.event.json"] = event
    out, in_string, i = [], False, 0
    while i < len(template):
        char = template[i]
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        end = template.find(">", i) if char == "<" else -1
        if end > i:  # a placeholder is <name>; a lone < is text
            name = template[i + 1 : end]
            if name in values:
                value = values[name]
                if in_string:
                    text = value if isinstance(value, str) else json.dumps(value)
                    out.append(json.dumps(text)[1:-1])
                else:
                    out.append(json.dumps(value))
                i = end + 1
                continue
        out.append(char)
        i += 1
    rendered = "".join(out)
    try:
        return json.loads(rendered)
    except json.JSONDecodeError:
        return rendered


def _jsonable_event(event: dict[str, Any]) -> dict[str, Any]:
    event = dict(event)
    obj = (event.get("detail") or {}).get("object") if event.get("source") == "aws.s3" else None
    if isinstance(obj, dict) and "eTag" in obj:  # AWS's S3 events spell it "etag"; moto wrote "eTag"
        event["detail"] = {
            **event["detail"],
            "object": {("etag" if k == "eTag" else k): v for k, v in obj.items()},
        }
    if isinstance(event.get("time"), (int, float)):  # moto keeps a timestamp where AWS sends ISO 8601
        event["time"] = datetime.fromtimestamp(float(event["time"]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # the MD5 of nothing
# What S3's EventBridge events give as `reason`, by the notification's event name.
S3_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "s3:LifecycleExpiration:Delete": "Lifecycle Expiration",
    "s3:LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}


def s3_eventbridge_event(account_id: str, bucket: Any, event_name: str, key: Any) -> dict[str, Any]:
    """The event S3 sends the default bus, as the S3 user guide's "EventBridge event message
    structure" shows it (moto's spelled the ETag `eTag`, dated it in epoch seconds, gave every event
    the same id and sequencer and `ObjectCreated` as the reason): `version-id` where the bucket
    keeps versions, `size` for what exists, `reason` the API that made the change."""
    detail_type = s3_notifications._detail_type(event_name)
    obj: dict[str, Any] = {"key": key.name}
    if not detail_type.startswith("Object Deleted"):
        obj["size"] = key.size
    obj["etag"] = str(getattr(key, "etag", None) or EMPTY_ETAG).replace('"', "")  # a delete marker's is empty
    if bucket.versioning_status in ("Enabled", "Suspended"):
        obj["version-id"] = key.version_id
    obj["sequencer"] = f"{time.time_ns():016x}"
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        "requester": account_id,
        "source-ip-address": "127.0.0.1",
    }
    if event_name in S3_REASONS:
        detail["reason"] = S3_REASONS[event_name]
    if detail_type == "Object Deleted":
        detail["deletion-type"] = (
            "Delete Marker Created" if event_name.endswith("DeleteMarkerCreated") else "Permanently Deleted"
        )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": account_id,
        "time": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": detail,
    }


def _send_s3_event(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
    """S3 publishes to the account's default bus only (moto offered the event to every bus), and
    "Object Tags Added" for tags set, not for every PutObject (moto tags each new object, with no
    tags, and announced that too)."""
    if event_name == "s3:ObjectTagging:Put" and not _has_tags(account_id, bucket, key):
        return
    try:
        event = s3_eventbridge_event(account_id, bucket, event_name, key)
    except ValueError:  # an event S3 does not send EventBridge
        return
    bus = events_models.events_backends[account_id][bucket.region_name].event_buses.get("default")
    for rule in list(bus.rules.values()) if bus is not None else []:
        try:
            rule.send_to_targets(event, transform_input=False)
        except Exception:  # delivery is asynchronous in AWS: the write succeeded whatever befalls it
            log.exception("S3 event for s3://%s/%s not delivered to %s", bucket.name, key.name, rule.name)


def _has_tags(account_id: str, bucket: Any, key: Any) -> bool:
    from moto.s3.models import s3_backends

    tagger = s3_backends[account_id][bucket.partition].tagger
    return bool(tagger.list_tags_for_resource(key.arn)["Tags"])


class Router:
    def __init__(self, invoker: Invoker, clients: ClientFactory, region: str) -> None:
        self.invoker = invoker
        self.clients = clients
        self.region = region
        self._lock = threading.Lock()

    # --- SNS -----------------------------------------------------------------------------------
    def deliver_sns(
        self,
        subscription: Any,
        message: str,
        message_id: str,
        subject: str | None,
        attributes: dict[str, Any] | None,
        message_structure: str | None,
    ) -> None:
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(attributes, message):
            return
        if message_structure == "json":
            message = subscription._parse_message_structure(message, "lambda")
        self.invoker.submit(
            subscription.endpoint, sns_event(subscription, message, message_id, subject, attributes)
        )

    # --- EventBridge ---------------------------------------------------------------------------
    def deliver_rule(self, rule: Any, event: dict[str, Any], targets: list[dict[str, Any]]) -> list[str]:
        delivered = []
        event = _jsonable_event(event)
        for target in targets:
            arn = target["Arn"]
            service = arn.split(":")[2]
            payload = target_input(target, event)
            if rule is not None and _refused_rule_target(rule.arn, target):
                continue
            if service == "lambda":
                self.invoker.submit(arn, payload)
            elif service == "states":
                sfn_responses.get_backend(arn.split(":")[4], arn.split(":")[3]).start_execution(
                    arn, name=str(uuid.uuid4()), execution_input=json.dumps(payload)
                )
            elif service == "sqs":
                queue_url = self.clients.client("sqs").get_queue_url(QueueName=arn.split(":")[5])["QueueUrl"]
                request: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": json.dumps(payload)}
                group = target.get("SqsParameters", {}).get("MessageGroupId")
                if group:
                    request["MessageGroupId"] = group
                self.clients.client("sqs").send_message(**request)
            elif service == "sns":  # moto's rules deliver to no topic
                self.clients.client("sns").publish(TopicArn=arn, Message=json.dumps(payload))
            delivered.append(arn)
        return delivered

    def split_targets(self, rule: Any) -> tuple[list[dict], list[dict]]:
        ours = [t for t in rule.targets if t["Arn"].split(":")[2] in OUR_TARGETS]
        return ours, [t for t in rule.targets if t not in ours]

    # --- schedules -----------------------------------------------------------------------------
    def tick(self, at: datetime, on_due: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """Fires every schedule due at `at` (to the minute): cron expressions that match it, rate
        expressions whose period divides the minute, one-time `at(...)` schedules at their minute.
        `on_due` runs first when anything is due (the clock moves there)."""
        rules = [r for r in self._scheduled_rules() if due(r.scheduled_expression, at)]
        schedules = [
            s
            for s in self._schedules()
            if s.state == "ENABLED"
            and due(s.schedule_expression, at.astimezone(ZoneInfo(s.schedule_expression_timezone or "UTC")))
            and _within(s, at)
        ]
        if (rules or schedules) and on_due is not None:
            on_due()
        fired = []
        for rule in rules:
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": rule.account_id,
                "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": rule.region_name,
                "resources": [rule.arn],
                "detail": {},
            }
            targets = self.deliver_rule(rule, event, list(rule.targets))
            fired.append(
                {
                    "kind": "rule",
                    "name": rule.name,
                    "expression": rule.scheduled_expression,
                    "targets": targets,
                }
            )
        for schedule in schedules:
            target = schedule.target
            payload = (
                json.loads(_scheduler_context(target["Input"], schedule, at)) if target.get("Input") else {}
            )
            if self._scheduler_refused(schedule, target, payload):
                fired.append(
                    {
                        "kind": "schedule",
                        "name": schedule.name,
                        "expression": schedule.schedule_expression,
                        "targets": [],
                    }
                )
                continue
            self.deliver_rule(None, {}, [{"Arn": target["Arn"], "Input": json.dumps(payload)}])
            fired.append(
                {
                    "kind": "schedule",
                    "name": schedule.name,
                    "expression": schedule.schedule_expression,
                    "targets": [target["Arn"]],
                }
            )
        return fired

    def _scheduler_refused(self, schedule: Any, target: dict[str, Any], payload: Any) -> bool:
        """Scheduler calls the target as the schedule's role; when the role may not, the event goes
        to the schedule's dead-letter queue (sent as the same role, so it too needs the queue and
        its key), with Scheduler's attributes, or is lost when there is none."""
        enforcer = active()
        role = target.get("RoleArn")
        if enforcer is None or not role:
            return False
        action = TARGET_ACTIONS.get(target["Arn"].split(":")[2], "lambda:InvokeFunction")
        denied = enforcer.role_may(role, action, target["Arn"], via="scheduler")
        if denied is None:
            return False
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        kms = ("kms:GenerateDataKey", "kms:Decrypt")
        if (
            dead_letter
            and enforcer.role_may(role, "sqs:SendMessage", dead_letter, kms, via="scheduler") is None
        ):
            queue_url = f"{self.clients.endpoint_url}/{dead_letter.split(':')[4]}/{dead_letter.split(':')[5]}"
            attributes = {
                "ERROR_CODE": "AccessDeniedException",
                "ERROR_MESSAGE": f"{role} is not authorized to perform: {action} on {target['Arn']}",
                "TARGET_ARN": target["Arn"],
                "SCHEDULE_ARN": schedule.arn,
                "RETRY_ATTEMPTS": "0",
                "EXHAUSTED_RETRY_CONDITION": "None",
            }
            self.clients.client("sqs").send_message(
                QueueUrl=queue_url,
                MessageBody=json.dumps(payload),
                MessageAttributes={
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                },
            )
        return True

    def _scheduled_rules(self) -> list[Any]:
        rules = []
        for backend in _backends(events_models.events_backends, self.region):
            for bus in backend.event_buses.values():
                rules.extend(r for r in bus.rules.values() if r.scheduled_expression and r.state == "ENABLED")
        return rules

    def _schedules(self) -> list[Any]:
        found = []
        for backend in _backends(scheduler_models.scheduler_backends, self.region):
            for group in backend.schedule_groups.values():
                found.extend(group.schedules.values())
        return found


TARGET_ACTIONS = {
    "lambda": "lambda:InvokeFunction",
    "states": "states:StartExecution",
    "sqs": "sqs:SendMessage",
    "sns": "sns:Publish",
}
DELIVERY_ACTIONS = {"sqs": "sqs:SendMessage", "lambda": "lambda:InvokeFunction", "sns": "sns:Publish"}
KMS_FOR_DELIVERY = ("kms:GenerateDataKey", "kms:Decrypt")


def refused_delivery(principal: str, source_arn: str, destination: str, via: str) -> bool:
    """Whether a service may not deliver to `destination` for `source_arn` (its policy, and its
    key's policy for an encrypted queue or topic)."""
    enforcer = active()
    action = DELIVERY_ACTIONS.get(destination.split(":")[2]) if destination.startswith("arn:") else None
    if enforcer is None or action is None:
        return False
    kms = KMS_FOR_DELIVERY if action != "lambda:InvokeFunction" else ()
    return enforcer.delivery(principal, source_arn, action, destination, via, kms) is not None


def _refused_rule_target(rule_arn: str, target: dict[str, Any]) -> bool:
    """EventBridge delivers to a function, queue or topic by its resource policy, and starts a
    workflow as the target's role."""
    enforcer = active()
    if enforcer is None:
        return False
    if target.get("RoleArn"):
        action = TARGET_ACTIONS.get(target["Arn"].split(":")[2], "lambda:InvokeFunction")
        return enforcer.role_may(target["RoleArn"], action, target["Arn"], via="events") is not None
    return refused_delivery("events.amazonaws.com", rule_arn, target["Arn"], "events")


def _within(schedule: Any, at: datetime) -> bool:
    """Scheduler fires a schedule only between its StartDate and EndDate."""
    start, end = _moment(schedule.start_date), _moment(schedule.end_date)
    return (start is None or at >= start) and (end is None or at <= end)


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _scheduler_context(text: str, schedule: Any, at: datetime) -> str:
    """The context attributes Scheduler fills into a target's input when it fires."""
    values = {
        "<aws.scheduler.scheduled-time>": at.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.schedule-arn>": schedule.arn,
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _backends(backend_dict: Any, region: str) -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID

    return [backend_dict[DEFAULT_ACCOUNT_ID][region]]


_CRON_FIELDS = ("minute", "hour", "day", "month", "weekday", "year")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}


def due(expression: str, at: datetime) -> bool:
    """Whether an EventBridge schedule expression fires in the minute of `at`: cron fields and
    at() times are read on `at`'s own clock (UTC for rules; a schedule's ScheduleExpressionTimezone,
    so that 09:00 in Europe/Paris stays 09:00 across its DST changes)."""
    expression = expression.strip()
    if expression.startswith("rate("):
        return _rate_minutes(at) % _rate_period(expression) == 0
    if expression.startswith("at("):  # a wall-clock time in the zone `at` is given in
        when = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=at.tzinfo or UTC)
        return when.replace(second=0, microsecond=0) == at.replace(second=0, microsecond=0)
    if not expression.startswith("cron("):
        raise ValueError(f"unknown schedule expression {expression!r}")
    parts = expression[5:-1].split()
    if len(parts) != len(_CRON_FIELDS):
        raise ValueError(f"a cron expression has six fields: {expression!r}")
    values = {
        "minute": at.minute,
        "hour": at.hour,
        "day": at.day,
        "month": at.month,
        "weekday": at.isoweekday() % 7 + 1,
        "year": at.year,
    }
    return all(
        _field_matches(part, values[name], name) for name, part in zip(_CRON_FIELDS, parts, strict=True)
    )


_RATE_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


def _rate_period(expression: str) -> int:
    """A rate expression's period in minutes: `rate(15 minutes)` is 15."""
    value, _, unit = expression[5:-1].strip().partition(" ")
    if not value.isdigit() or int(value) < 1 or unit.strip() not in _RATE_UNITS:
        raise ValueError(f"a rate expression is rate(<positive number> <unit>): {expression!r}")
    return int(value) * _RATE_UNITS[unit.strip()]


def _rate_minutes(at: datetime) -> int:
    """Whole minutes since the epoch: a rate schedule fires when its period divides this (EventBridge
    picks its own phase; this one is fixed so that ticks are repeatable)."""
    return int(at.timestamp() // 60)


def _field_matches(part: str, value: int, name: str) -> bool:
    if part in ("*", "?"):
        return True
    names = _MONTHS if name == "month" else _DAYS if name == "weekday" else {}
    for item in part.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"a cron step must be at least 1: {part!r}")
        if item in ("*", ""):
            low, high = 0, 9999
        elif "-" in item:
            low_text, high_text = item.split("-")
            low, high = _number(low_text, names), _number(high_text, names)
        else:
            low = high = _number(item, names)
            if step > 1:
                high = 9999
        if name == "day" and item == "L":
            continue
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


def _number(text: str, names: dict[str, int]) -> int:
    return names.get(text.upper()) or int(text)


def patch_targets(router: Router) -> Any:
    """Installs the EventBridge and SNS delivery (and S3's events on the default bus, in the shape S3
    sends them); returns what uninstall needs."""
    original_send = events_models.Rule.send_to_targets
    original_publish = sns_models.Subscription.publish

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if self.scheduled_expression or not self.event_pattern.matches_event(original_event):
            return  # a scheduled rule has no pattern, and moto would let it match every event
        ours, theirs = router.split_targets(self)
        if theirs:
            with router._lock:  # moto reads self.targets; give it only the targets it delivers
                saved, self.targets = self.targets, theirs
                try:
                    original_send(self, original_event, transform_input)
                finally:
                    self.targets = saved
        router.deliver_rule(self, dict(original_event), ours)

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if refused_delivery("sns.amazonaws.com", self.topic.arn, self.endpoint, "sns"):
            return  # SNS can't deliver: the subscription's delivery fails, as AWS logs it
        if self.protocol == "lambda":
            router.deliver_sns(self, message, message_id, subject, message_attributes, message_structure)
            return
        original_publish(
            self,
            message,
            message_id,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )

    original_s3_event = s3_notifications._send_event_bridge_message
    events_models.Rule.send_to_targets = send_to_targets
    sns_models.Subscription.publish = publish
    s3_notifications._send_event_bridge_message = _send_s3_event
    return original_send, original_publish, original_s3_event


def unpatch_targets(originals: Any) -> None:
    (
        events_models.Rule.send_to_targets,
        sns_models.Subscription.publish,
        s3_notifications._send_event_bridge_message,
    ) = originals
