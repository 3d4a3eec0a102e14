"""The local stack's IAM enforcement, piece by piece: what each call is authorized for
(engage_local.iam.actions) and how the evaluator decides (engage_local.iam.simulator, the Node
sidecar running @cloud-copilot/iam-simulate)."""

from __future__ import annotations

import shutil

import pytest

from engage_local.iam.actions import Check, UnknownOperation, checks_for
from engage_local.iam.simulator import HERE, Question, Simulator, UnknownRequest

ACCOUNT, REGION = "123456789012", "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/engage-SenderFunctionRole-ABC"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:engage-SendQueue-XYZ"


class Lookup:
    region, account = REGION, ACCOUNT

    def queue_key(self, queue_arn):
        return KEY if "Send" in queue_arn else None

    def topic_key(self, topic_arn):
        return KEY

    def bucket_key(self, bucket):
        return KEY if bucket == "archive" else None

    def stream_key(self, stream_arn):
        return KEY

    def secret(self, secret_id):
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret_id}-AbCdEf", KEY

    def key_arn(self, key_id):
        return KEY

    def function_arn(self, name):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"

    def text_identity(self, identity):
        return f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/phone-1"

    def email_identity(self, address):
        return f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"

    def stream_of_iterator(self, iterator):
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/events"

    def role_tags(self, role_arn):
        return {"engage:contact-center": "true"} if role_arn.endswith("/calls") else {}


def test_assume_role_is_judged_on_the_role_with_its_tags_and_dial_requests_on_the_campaign():
    role = f"arn:aws:iam::{ACCOUNT}:role/calls"
    assert checks_for("sts", "AssumeRole", {"RoleArn": role}, Lookup()) == [
        Check("sts:AssumeRole", role, context=(("aws:ResourceTag/engage:contact-center", "true"),))
    ]
    assert checks_for("sts", "GetCallerIdentity", {}, Lookup()) == [Check("sts:GetCallerIdentity", "*")]
    assert checks_for("connectcampaigns", "PutDialRequestBatch", {"id": "c-1"}, Lookup()) == [
        Check(
            "connect-campaigns:PutDialRequestBatch",
            f"arn:aws:connect-campaigns:{REGION}:{ACCOUNT}:campaign/c-1",
        )
    ]


def test_a_roles_trust_policy_must_name_the_caller_or_its_account():
    from engage_local.iam.enforcer import trusts

    def trust(principal, effect="Allow", action="sts:AssumeRole"):
        return {"Statement": [{"Effect": effect, "Principal": principal, "Action": action}]}

    assert trusts(trust({"AWS": ROLE}), ROLE, ACCOUNT)
    assert trusts(trust({"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}), ROLE, ACCOUNT)  # then its identity policy
    assert not trusts(trust({"Service": "pinpoint.amazonaws.com"}), ROLE, ACCOUNT)  # Pinpoint's, not ours
    assert not trusts(trust({"AWS": "arn:aws:iam::210987654321:root"}), ROLE, ACCOUNT)
    assert not trusts(trust({"AWS": ROLE}, action="sts:TagSession"), ROLE, ACCOUNT)
    denied = {"Statement": [*trust({"AWS": ROLE})["Statement"], *trust({"AWS": ROLE}, "Deny")["Statement"]]}
    assert not trusts(denied, ROLE, ACCOUNT) and not trusts(None, ROLE, ACCOUNT)


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        (
            "sqs",
            "SendMessageBatch",
            {"QueueUrl": f"http://localhost/{ACCOUNT}/engage-SendQueue-XYZ", "Entries": []},
            [
                Check("sqs:SendMessage", QUEUE),
                Check("kms:GenerateDataKey", KEY, True),
                Check("kms:Decrypt", KEY, True),
            ],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "Sends"}}, {"ConditionCheck": {"TableName": "Caps"}}]},
            [
                Check("dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Sends"),
                Check("dynamodb:ConditionCheckItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Caps"),
            ],
        ),
        (
            "dynamodb",
            "Query",
            {"TableName": "Contacts", "IndexName": "ByAddress"},
            [Check("dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Contacts/index/ByAddress")],
        ),
        (
            "s3",
            "PutObject",
            {"Bucket": "archive", "Key": "archive/app/x.eml"},
            [
                Check("s3:PutObject", "arn:aws:s3:::archive/archive/app/x.eml"),
                Check("kms:GenerateDataKey", KEY, True),
            ],
        ),
        (
            "s3",
            "ListObjectsV2",
            {"Bucket": "work", "Prefix": "a/"},
            [Check("s3:ListBucket", "arn:aws:s3:::work", context=(("s3:prefix", "a/"),))],
        ),
        (
            "scheduler",
            "CreateSchedule",
            {"Name": "run-1", "GroupName": "campaigns", "Target": {"RoleArn": ROLE}},
            [
                Check(
                    "scheduler:CreateSchedule",
                    f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/campaigns/run-1",
                ),
                Check("iam:PassRole", ROLE),
            ],
        ),
        (
            "pinpoint-sms-voice-v2",
            "SendTextMessage",
            {
                "OriginationIdentity": "+18005550100",
                "ConfigurationSetName": "text",
                "DestinationPhoneNumber": "+1",
            },
            [
                Check(
                    "sms-voice:SendTextMessage", f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/phone-1"
                ),
                Check(
                    "sms-voice:SendTextMessage",
                    f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/text",
                ),
            ],
        ),
        (
            "secretsmanager",
            "GetSecretValue",
            {"SecretId": "erasure"},
            [
                Check(
                    "secretsmanager:GetSecretValue",
                    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:erasure-AbCdEf",
                ),
                Check("kms:Decrypt", KEY, True),
            ],
        ),
    ],
)
def test_each_call_is_authorized_for_its_action_resource_and_implied_kms_permissions(
    service, operation, params, expected
):
    assert checks_for(service, operation, params, Lookup()) == expected


def test_a_call_the_tables_do_not_know_is_not_guessed():
    with pytest.raises(UnknownOperation):
        checks_for("iot", "Publish", {}, Lookup())
    with pytest.raises(UnknownOperation, match="without"):
        checks_for("dynamodb", "GetItem", {}, Lookup())


needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (HERE / "node_modules").is_dir(), reason="make installs the evaluator"
)


@pytest.fixture(scope="module")
def simulator():
    simulator = Simulator()
    yield simulator
    simulator.close()


def allow(action, resource):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


@needs_node
def test_identity_policies_allow_only_what_they_name(simulator):
    policy = allow("sqs:SendMessage", QUEUE)
    assert simulator.allowed(Question(ROLE, "sqs:SendMessage", QUEUE, ACCOUNT, [policy]))
    other = QUEUE.replace("SendQueue", "OtherQueue")
    assert simulator.decide(Question(ROLE, "sqs:SendMessage", other, ACCOUNT, [policy])) == "ImplicitlyDenied"


@needs_node
def test_a_key_policy_must_let_the_account_delegate_before_an_identity_policy_counts(simulator):
    delegating = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    only_decrypt = allow("kms:Decrypt", KEY)
    assert not simulator.allowed(
        Question(ROLE, "kms:GenerateDataKey", KEY, ACCOUNT, [only_decrypt], delegating)
    )
    both = allow(["kms:Decrypt", "kms:GenerateDataKey"], KEY)
    assert simulator.allowed(Question(ROLE, "kms:GenerateDataKey", KEY, ACCOUNT, [both], delegating))
    silent = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}
        ],
    }
    assert not simulator.allowed(Question(ROLE, "kms:GenerateDataKey", KEY, ACCOUNT, [both], silent))


@needs_node
def test_a_service_principal_needs_the_resource_policy_and_its_condition(simulator):
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:inbound"
    queue_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": QUEUE,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
            }
        ],
    }
    ask = lambda source: Question(  # noqa: E731
        "sns.amazonaws.com", "sqs:SendMessage", QUEUE, ACCOUNT, (), queue_policy, {"aws:SourceArn": source}
    )
    assert simulator.allowed(ask(topic))
    assert not simulator.allowed(ask(topic.replace("inbound", "elsewhere")))


@needs_node
def test_an_action_the_data_does_not_know_fails_closed(simulator):
    with pytest.raises(UnknownRequest):
        simulator.decide(Question(ROLE, "sqs:SendMessages", QUEUE, ACCOUNT, [allow("sqs:*", "*")]))


def test_calls_as_a_role_share_one_factory_per_role_and_stack_and_sign_as_that_role():
    from engage.adapters.clients import ClientFactory

    from engage_local.iam.principals import PRINCIPALS, as_role

    stack = ClientFactory(region=REGION, endpoint_url="http://127.0.0.1:4599")
    other_stack = ClientFactory(region=REGION, endpoint_url="http://127.0.0.1:4600")
    sender = as_role(stack, ROLE)
    assert as_role(stack, ROLE) is sender  # its clients are built once, not at every call
    assert as_role(other_stack, ROLE) is not sender
    assert as_role(stack, ROLE.replace("Sender", "Import")) is not sender
    assert as_role(stack, None) is stack
    key = sender.client("sqs")._request_signer._credentials.access_key
    assert PRINCIPALS.role_of(key) == ROLE
