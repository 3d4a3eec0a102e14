"""The local stack deploys the real template and runs real handlers in isolated workers."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.contacts import ContactStore

from engage_local.deploy import Deployer, DeployError
from engage_local.provisioners import PROVISIONERS
from engage_local.state import local_clients
from tests.e2e.conftest import invoke

pytestmark = pytest.mark.e2e


def test_the_whole_template_deploys_with_every_resource_accounted_for(local_stack):
    report = local_stack.stacks["engage"]
    deployed = {r["logical_id"]: r for r in report.resources}
    for logical_id in (
        "EngageKey",
        "EngageKeyAlias",
        "ContactsTable",
        "ConsentTable",
        "SuppressionTable",
        "EventStream",
    ):
        assert logical_id in deployed
    assert any(r["type"] == "AWS::Lambda::LayerVersion" for r in report.resources)
    table = local_stack.client("dynamodb").describe_table(TableName=report.outputs["ContactsTableName"])[
        "Table"
    ]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"ByUser", "ByAddress", "ByChannel"}
    assert local_stack.client("kinesis").describe_stream_summary(StreamName=report.outputs["EventStreamName"])


def test_the_deployed_contact_table_serves_the_contact_store(local_stack):
    report = local_stack.stacks["engage"]
    store = ContactStore(
        DynamoEndpointRepository(report.outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    store.upsert(
        "e2e-app",
        "ep-1",
        {"ChannelType": "EMAIL", "Address": "deployed@example.com", "User": {"UserId": "u-1"}},
    )
    assert [e["Id"] for e in store.get_user_endpoints("e2e-app", "u-1")] == ["ep-1"]
    assert [e["Id"] for e in store.find_by_address("e2e-app", "EMAIL", "DEPLOYED@example.com")] == ["ep-1"]


def test_a_resource_type_nobody_handles_fails_the_deploy_with_its_name(local_stack, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Pipe:\n    Type: AWS::Pipes::Pipe\n    Properties: {}\n")
    deployer = Deployer(local_stack.endpoint_url, local_stack.region, local_stack.artifacts, PROVISIONERS)
    with pytest.raises(DeployError, match=r"no local provisioner for resource type\(s\) AWS::Pipes::Pipe"):
        deployer.deploy(template, "unsupported")


def test_a_second_stack_of_the_template_deploys_beside_the_first_and_a_fixed_name_is_refused(
    local_stack, tmp_path
):
    """As dev and prod would in one account and region: every name is generated or built from the
    stack's name; a name fixed in a template is refused the second time, as CloudFormation does."""
    # The same template under another name (its monthly export moved out of the way of the tests).
    prod = local_stack.deploy(stack_name="engage-prod", parameters={"VdmSchedule": "cron(0 6 1 1 ? 2099)"})
    dev = local_stack.stacks["engage"]
    assert prod.outputs["SendQueueUrl"] != dev.outputs["SendQueueUrl"]
    assert prod.outputs["SmsOptOutListPrefix"] != dev.outputs["SmsOptOutListPrefix"]
    names = [s["Name"] for s in local_stack.client("scheduler").list_schedules()["Schedules"]]
    assert len(names) == len(set(names)) and len(names) >= 4, names  # two stacks' schedules, apart

    template = tmp_path / "fixed.yaml"
    template.write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: engage-fixed-name}\n"
    )
    deployer = Deployer(local_stack.endpoint_url, local_stack.region, local_stack.artifacts, PROVISIONERS)
    deployer.deploy(template, "fixed-one")
    with pytest.raises(DeployError, match="engage-fixed-name already exists"):
        deployer.deploy(template, "fixed-two")


def test_nested_applications_get_their_parameters_and_return_their_outputs(local_stack):
    child = invoke(local_stack, "Child/ChildFunction")["payload"]
    assert child["greeting"] == "hello"
    assert child["var"] == "child"
    topic = invoke(local_stack, "ParentFunction")["payload"]["child_topic"]
    assert topic == local_stack.stacks["runtime-test"].children["Child"].outputs["TopicArn"]
    assert local_stack.client("sns").get_topic_attributes(TopicArn=topic)


def test_types_moto_skips_are_provisioned_from_the_template(local_stack):
    report = local_stack.stacks["runtime-test"]
    ids = {r["logical_id"]: r["physical_id"] for r in report.resources}
    sns, sqs = local_stack.client("sns"), local_stack.client("sqs")
    attributes = sns.get_subscription_attributes(SubscriptionArn=ids["QueueSubscription"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["keep"]}
    assert attributes["RawMessageDelivery"] == "true"
    policy = sqs.get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=["Policy"])["Attributes"][
        "Policy"
    ]
    assert json.loads(policy)["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    topic_policy = sns.get_topic_attributes(TopicArn=ids["Topic"])["Attributes"]["Policy"]
    assert json.loads(topic_policy)["Statement"][0]["Principal"] == {"Service": "ses.amazonaws.com"}
    bucket_policy = local_stack.client("s3").get_bucket_policy(Bucket=ids["Bucket"])["Policy"]
    assert json.loads(bucket_policy)["Statement"][0]["Effect"] == "Deny"
    secret = json.loads(
        local_stack.client("secretsmanager").get_secret_value(SecretId=ids["Secret"])["SecretString"]
    )
    assert secret["user"] == "pixel"
    assert len(secret["password"]) == 24
    glue = local_stack.client("glue")
    assert glue.get_table(DatabaseName="engage_test_events", Name="events")["Table"]["Name"] == "events"
    assert local_stack.client("athena").get_work_group(WorkGroup="engage-test")["WorkGroup"]["Configuration"]
    assert local_stack.client("firehose").describe_delivery_stream(DeliveryStreamName=ids["DeliveryStream"])
    schedule = local_stack.client("scheduler").get_schedule(Name=ids["Schedule"])
    assert schedule["ScheduleExpression"] == "cron(0 6 1 * ? *)"
    assert schedule["Target"]["Arn"] == ids["Workflow"]
    invoke_config = local_stack.client("lambda").get_function_event_invoke_config(
        FunctionName=ids["BetaFunction"]
    )
    assert invoke_config["MaximumRetryAttempts"] == 0
    assert invoke_config["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        ":" + ids["Queue"].split("/")[-1]
    )
    assert report.outputs["DeliveryStreamArn"].startswith("arn:aws:firehose:")


def test_two_functions_with_conflicting_environments_invoked_at_once_each_see_only_their_own(local_stack):
    calls = [("AlphaFunction", i) for i in range(6)] + [("BetaFunction", i) for i in range(6)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda c: (c[0], invoke(local_stack, c[0], {"sleep": 0.3, "label": c[1]})), calls)
        )
    seen = {"AlphaFunction": set(), "BetaFunction": set()}
    for function, result in results:
        assert result["error"] is None, result
        expected = "alpha" if function == "AlphaFunction" else "beta"
        assert result["payload"]["var"] == expected
        assert result["payload"]["shared"] == f"from-{expected}"
        seen[function].add(result["payload"]["pid"])
    assert not seen["AlphaFunction"] & seen["BetaFunction"], "functions never share a worker process"
    assert len(seen["AlphaFunction"]) > 1, "concurrent invocations got workers of their own"


def test_a_warm_worker_is_reused(local_stack):
    first = invoke(local_stack, "BetaFunction")["payload"]["pid"]
    assert invoke(local_stack, "BetaFunction")["payload"]["pid"] in {first} | {
        invoke(local_stack, "BetaFunction")["payload"]["pid"] for _ in range(3)
    }


def test_a_handler_past_its_timeout_is_stopped_and_reported_as_lambda_reports_it(local_stack):
    before = invoke(local_stack, "SlowFunction")["payload"]["pid"]
    started = time.monotonic()
    result = invoke(local_stack, "SlowFunction", {"sleep": 30})
    assert time.monotonic() - started < 5
    assert result["error"] == "Unhandled"
    assert result["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result["payload"]["errorMessage"]
    assert "Task timed out" in base64.b64decode(result["logs"]).decode()
    after = invoke(local_stack, "SlowFunction")["payload"]["pid"]
    assert after != before, "the timed-out worker was ended and a fresh one started"


@pytest.mark.parametrize(
    ("event", "error_type", "message"),
    [
        ({"fail": "no such offer"}, "RuntimeError", "no such offer"),
        ({"exit": True}, "Runtime.ExitError", "exit status 3"),
        ({"unserialisable": True}, "Runtime.MarshalError", "Unable to marshal response"),
    ],
)
def test_handler_failures_come_back_as_lambda_reports_them(local_stack, event, error_type, message):
    result = invoke(local_stack, "AlphaFunction", event)
    assert result["error"] == "Unhandled"
    assert result["payload"]["errorType"] == error_type
    assert message in result["payload"]["errorMessage"]


def test_functions_see_their_layers_and_nothing_else(local_stack):
    assert invoke(local_stack, "AlphaFunction")["payload"]["engage_layer"] is True
    assert invoke(local_stack, "BareFunction")["payload"]["engage_layer"] is False
    payload = invoke(local_stack, "AlphaFunction")["payload"]
    assert payload["endpoint"] == local_stack.endpoint_url
    assert payload["cwd"].endswith("functions/probe")


def test_reserved_concurrency_caps_the_workers_of_a_function(local_stack):
    # One attempt per call: the SDK's standard retries would otherwise wait out the throttle.
    lambda_client = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=1).client(
        "lambda"
    )
    name = _name(local_stack, "SingleFunction")

    def call(_):
        try:
            response = lambda_client.invoke(FunctionName=name, Payload=b'{"sleep": 1}')
            return response.get("FunctionError") or "ok"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(call, range(3)))
    assert outcomes.count("ok") >= 1
    assert "TooManyRequestsException" in outcomes
    assert local_stack.runtime.workers(name) <= 1


def test_a_step_functions_task_runs_the_real_handler(local_stack, state):
    sfn = local_stack.client("stepfunctions")
    arn = state.physical_id("Workflow", "runtime-test")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"label": "from-a-workflow"}))
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["label"] == "from-a-workflow"
    assert output["var"] == "alpha"
    assert output["engage_layer"] is True


def _name(local_stack, function):
    from engage_local.state import read_state

    return read_state(local_stack.state_dir).physical_id(function, "runtime-test")


def test_concurrent_transactions_on_one_item_lose_no_update(local_stack):
    """DynamoDB's item-level atomicity: eight writers adding to one counter (as a run's parts
    do) count every addition (moto alone lost some)."""
    import uuid

    table = local_stack.stacks["engage"].outputs["JobsTableName"]
    pk = f"JOB#race#{uuid.uuid4().hex[:8]}"
    clients = local_clients(local_stack.endpoint_url, local_stack.region)
    clients.client("dynamodb").put_item(
        TableName=table, Item={"pk": {"S": pk}, "job": {"M": {"n": {"N": "0"}}}}
    )

    def add(writer: int) -> None:
        dynamodb = local_clients(local_stack.endpoint_url, local_stack.region).client("dynamodb")
        for n in range(60):
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {"pk": {"S": f"{pk}#PIECE#{writer}-{n}"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": table,
                            "Key": {"pk": {"S": pk}},
                            "UpdateExpression": "SET #j.n = #j.n + :one",
                            "ExpressionAttributeNames": {"#j": "job"},
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(8)))
    item = clients.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)
    assert item["Item"]["job"]["M"]["n"] == {"N": "480"}
