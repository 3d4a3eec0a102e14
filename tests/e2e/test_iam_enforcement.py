"""IAM and KMS enforced on the local stack, one denied call of each kind, each failing as AWS fails
it: a role's identity policy; a queue's, topic's, bucket's and key's resource policy; the KMS
permission an encrypted queue implies; deliveries by service principals (SNS to SQS, SES to SNS,
EventBridge to a function, Scheduler to its dead-letter queue); and a function whose dead-letter
queue is encrypted with a key its role may not use. Calls are made with a role's credentials, as a
function's are; every denial is in the outbox."""

from __future__ import annotations

import json
import random
import string
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from engage_local.api import wait_until
from engage_local.iam.principals import PRINCIPALS
from tests.e2e.conftest import invoke

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def _suffix() -> str:
    """A name's random part, of letters only: a run of digits in a role's or a queue's name reads as a
    phone number to the log scan (and is masked as one), which would fail the session's teardown."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Account:
    """The local account, driven as an operator and as roles."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.iam, self.sqs, self.sns = stack.client("iam"), stack.client("sqs"), stack.client("sns")
        self.suffix = _suffix()

    def role(self, *statements: dict[str, Any]) -> str:
        name = f"iam-test-{_suffix()}"
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        if statements:
            self.iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document(*statements))
        return arn

    def as_role(self, role_arn: str, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.stack.region,
            endpoint_url=self.stack.endpoint_url,
            aws_access_key_id=PRINCIPALS.credentials_for(role_arn),
            aws_secret_access_key="local",
        )

    def queue(self, **attributes: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=f"iam-{_suffix()}", Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def key(self, policy: str | None = None) -> str:
        kms = self.stack.client("kms")
        delegating = document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        )
        return kms.create_key(Policy=policy or delegating)["KeyMetadata"]["Arn"]

    def denied(self, action: str) -> list[dict]:
        return [
            e for e in self.stack.emulated.outbox.entries() if (e.get("denied") or {}).get("action") == action
        ]


@pytest.fixture
def account(local_stack):
    return Account(local_stack)


def test_an_identity_policy_allows_only_what_it_names(account):
    allowed_url, allowed_arn = account.queue()
    other_url, _ = account.queue()
    role = account.role({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": allowed_arn})
    sqs = account.as_role(role, "sqs")
    sqs.send_message(QueueUrl=allowed_url, MessageBody="ok")
    with pytest.raises(ClientError) as refused:
        sqs.send_message(QueueUrl=other_url, MessageBody="no")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "no identity-based policy allows the sqs:SendMessage action" in str(refused.value)
    assert account.denied("sqs:SendMessage")


def _deny_role(role: str, action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": {"AWS": role}, "Action": action, "Resource": resource}


@pytest.mark.parametrize("kind", ["queue", "topic", "bucket"])
def test_a_resource_policys_deny_wins_over_the_roles_allow(account, kind):
    role = account.role({"Effect": "Allow", "Action": ["sqs:*", "sns:*", "s3:*"], "Resource": "*"})
    if kind == "queue":
        url, arn = account.queue()
        account.sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": document(_deny_role(role, "sqs:SendMessage", arn))}
        )
        call, code = (
            (lambda: account.as_role(role, "sqs").send_message(QueueUrl=url, MessageBody="x")),
            "AccessDenied",
        )
    elif kind == "topic":
        arn = account.sns.create_topic(Name=f"iam-{_suffix()}")["TopicArn"]
        account.sns.set_topic_attributes(
            TopicArn=arn,
            AttributeName="Policy",
            AttributeValue=document(_deny_role(role, "sns:Publish", arn)),
        )
        call, code = (
            (lambda: account.as_role(role, "sns").publish(TopicArn=arn, Message="x")),
            "AuthorizationError",
        )
    else:
        s3, bucket = account.stack.client("s3"), f"iam-{_suffix()}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(
            Bucket=bucket, Policy=document(_deny_role(role, "s3:PutObject", f"arn:aws:s3:::{bucket}/*"))
        )
        call, code = (
            (lambda: account.as_role(role, "s3").put_object(Bucket=bucket, Key="k", Body=b"x")),
            "AccessDenied",
        )
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.response["Error"]["Code"] == code
    assert "explicit deny" in str(refused.value)


def test_a_key_policy_that_does_not_delegate_to_the_account_refuses_even_an_allowed_role(account):
    role = account.role({"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"})
    others_only = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/someone-else"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    key = account.key(others_only)
    with pytest.raises(ClientError) as refused:
        account.as_role(role, "kms").encrypt(KeyId=key, Plaintext=b"secret")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    delegating = account.key()
    account.as_role(role, "kms").encrypt(KeyId=delegating, Plaintext=b"secret")  # the account delegates


def test_an_encrypted_queue_needs_its_keys_generate_data_key(account):
    key = account.key()
    url, arn = account.queue(KmsMasterKeyId=key)
    role = account.role({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn})
    with pytest.raises(ClientError) as refused:
        account.as_role(role, "sqs").send_message(QueueUrl=url, MessageBody="x")
    assert refused.value.response["Error"]["Code"] == "KMS.AccessDeniedException"
    account.iam.put_role_policy(
        RoleName=role.rsplit("/", 1)[1],
        PolicyName="key",
        PolicyDocument=document(
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key}
        ),
    )
    account.as_role(role, "sqs").send_message(QueueUrl=url, MessageBody="x")


def test_sns_delivers_to_a_queue_only_as_its_policy_allows(account):
    topic = account.sns.create_topic(Name=f"iam-{_suffix()}")["TopicArn"]
    closed_url, closed_arn = account.queue()
    open_url, open_arn = account.queue()
    account.sqs.set_queue_attributes(
        QueueUrl=open_url,
        Attributes={
            "Policy": document(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": open_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
                }
            )
        },
    )
    for arn in (closed_arn, open_arn):
        account.sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
        )
    account.sns.publish(TopicArn=topic, Message="hello")
    assert wait_until(lambda: account.sqs.receive_message(QueueUrl=open_url).get("Messages"), 10, 0.2)
    assert not account.sqs.receive_message(QueueUrl=closed_url).get("Messages")
    (refused,) = [d for d in account.denied("sqs:SendMessage") if d["denied"]["resource"] == closed_arn]
    assert refused["service"] == "sns" and refused["denied"]["principal"] == "sns.amazonaws.com"


def test_ses_publishes_events_only_to_a_topic_whose_policy_lets_it(account):
    sesv2 = account.stack.client("sesv2")
    sesv2.create_email_identity(EmailIdentity="iam.example.com")
    name = f"iam-{_suffix()}"
    sesv2.create_configuration_set(ConfigurationSetName=name)
    topic = account.sns.create_topic(Name=f"iam-{_suffix()}")["TopicArn"]
    account.sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=document())
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName=name,
        EventDestinationName="events",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["SEND"],
            "SnsDestination": {"TopicArn": topic},
        },
    )
    sesv2.send_email(
        FromEmailAddress="news@iam.example.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        ConfigurationSetName=name,
    )
    assert wait_until(
        lambda: [d for d in account.denied("sns:Publish") if d["denied"]["resource"] == topic], 10, 0.2
    )
    (refused,) = [d for d in account.denied("sns:Publish") if d["denied"]["resource"] == topic][:1]
    assert refused["service"] == "ses" and refused["denied"]["principal"] == "ses.amazonaws.com"


def test_a_function_without_its_dead_letter_keys_generate_data_key_loses_nothing_silently(local_stack):
    """SAM grants sqs:SendMessage on a function's DeadLetterQueue, not kms:GenerateDataKey on the key
    that encrypts it: on AWS the failed event is lost. Here it is refused as AWS refuses it, and
    recorded."""
    account = Account(local_stack)
    outputs = local_stack.stacks["runtime-test"].outputs
    answered = invoke(local_stack, "KeylessDlqFunction", {"fail": "boom"})
    assert answered["error"] == "Unhandled"
    name = read_function_arn(local_stack, "KeylessDlqFunction")
    local_stack.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=b'{"fail": "lost"}'
    )

    def refused():
        return [
            d
            for d in account.denied("kms:GenerateDataKey")
            if "KeylessDlqFunctionRole" in d["denied"]["principal"]
        ]

    assert wait_until(refused, 30, 0.2)
    assert refused()[0]["error"]["code"] == "KMS.AccessDeniedException"
    assert refused()[0]["denied"]["resource"].rsplit("/", 1)[1] in outputs["TestKeyArn"]
    assert not local_stack.client("sqs").receive_message(QueueUrl=outputs["KeyedDlqUrl"]).get("Messages")


def test_scheduler_sends_what_its_role_may_not_deliver_to_its_dead_letter_queue(local_stack):
    account = Account(local_stack)
    dlq_url, dlq_arn = account.queue()
    target = read_function_arn(local_stack, "AlphaFunction")
    role = account.role(
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn}
    )  # no InvokeFunction
    scheduler = local_stack.client("scheduler")
    name = f"iam-{_suffix()}"
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="rate(1 minute)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": target,
            "RoleArn": role,
            "Input": '{"label": "scheduled"}',
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    try:
        local_stack.advance_clock(61)
        received: list[dict] = []

        def dead_letters() -> list[dict]:
            answer = account.sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])
            received.extend(answer.get("Messages", []))
            return received

        assert wait_until(dead_letters, 10, 0.2)
        assert received[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "AccessDeniedException"
        assert json.loads(received[0]["Body"]) == {"label": "scheduled"}
    finally:
        scheduler.delete_schedule(Name=name)


def test_an_eventbridge_rule_reaches_a_function_only_through_its_resource_policy(local_stack):
    account = Account(local_stack)
    events = local_stack.client("events")
    rule = events.put_rule(Name=f"iam-{_suffix()}", EventPattern=json.dumps({"source": ["iam.test"]}))[
        "RuleArn"
    ]
    target = read_function_arn(local_stack, "BareFunction")
    events.put_targets(Rule=rule.rsplit("/", 1)[1], Targets=[{"Id": "fn", "Arn": target}])
    events.put_events(Entries=[{"Source": "iam.test", "DetailType": "t", "Detail": "{}"}])
    assert wait_until(
        lambda: [d for d in account.denied("lambda:InvokeFunction") if d["denied"]["resource"] == target],
        10,
        0.2,
    )


def read_function_arn(local_stack, logical_id: str) -> str:
    from engage_local.state import read_state

    name = read_state(local_stack.state_dir).physical_id(logical_id, "runtime-test", "AWS::Lambda::Function")
    return local_stack.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def test_a_role_is_assumed_only_as_its_trust_and_the_callers_tag_condition_allow(account):
    """What a journey's contact center activity does: the sender assumes the journey's role (tagged
    for it, trusting the account) and queues calls in the Connect campaign that role may use."""
    campaign = f"arn:aws:connect-campaigns:{account.stack.region}:{ACCOUNT}:campaign/{uuid.uuid4()}"
    trust_account = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }

    def target(trust, tagged=True):
        name = f"calls-{_suffix()}"
        tags = [{"Key": "engage:contact-center", "Value": "true"}] if tagged else []
        arn = account.iam.create_role(RoleName=name, AssumeRolePolicyDocument=document(trust), Tags=tags)
        dial = {"Effect": "Allow", "Action": "connect-campaigns:PutDialRequestBatch", "Resource": campaign}
        account.iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document(dial))
        return arn["Role"]["Arn"]

    caller = account.role(  # the sender's statement (apps/sending/template.yaml)
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/engage:contact-center": "true"}},
        }
    )
    sts = account.as_role(caller, "sts")
    credentials = sts.assume_role(RoleArn=target(trust_account), RoleSessionName="calls")["Credentials"]
    campaigns = boto3.client(
        "connectcampaigns",
        region_name=account.stack.region,
        endpoint_url=account.stack.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    request = {
        "clientToken": "t",
        "phoneNumber": "+14255550100",
        "expirationTime": datetime.now(UTC),
        "attributes": {},
    }
    answer = campaigns.put_dial_request_batch(id=campaign.rsplit("/", 1)[1], dialRequests=[request])
    assert [r["clientToken"] for r in answer["successfulRequests"]] == ["t"]
    with pytest.raises(ClientError, match="AccessDenied"):  # the assumed role's own policy decides
        campaigns.put_dial_request_batch(id=str(uuid.uuid4()), dialRequests=[request])
    with pytest.raises(ClientError, match="AccessDenied"):  # not tagged: the caller's condition fails
        sts.assume_role(RoleArn=target(trust_account, tagged=False), RoleSessionName="calls")
    pinpoints = {
        "Effect": "Allow",
        "Principal": {"Service": "pinpoint.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    with pytest.raises(ClientError, match="AccessDenied"):  # a Pinpoint-era trust policy trusts Pinpoint only
        sts.assume_role(RoleArn=target(pinpoints), RoleSessionName="calls")
