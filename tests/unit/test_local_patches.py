"""The local stack's changes to moto are installed and removed cleanly (moto is pinned; these
guard the private hooks the patches rely on)."""

import string
from pathlib import Path

import pytest
from moto.awslambda import models as lambda_models
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.dynamodb import models as dynamodb_models
from moto.firehose import models as firehose_models
from moto.stepfunctions import models as sfn_models
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn as sfn_service_task,
)

from engage_local import patches
from engage_local.provisioners import PROVISIONERS
from engage_local.runtime import LambdaRuntime
from engage_local.stack import LocalStack


# These look at moto as it is without the local stack; a stack running in this process (when tiers
# are run together) has its patches installed.
@pytest.fixture(autouse=True)
def _moto_as_shipped():
    if LocalStack._running is not None:
        pytest.skip("a local stack is running in this process")


def originals():
    return (
        lambda_models.LambdaFunction.invoke,
        lambda_models.LambdaFunction.create_from_cloudformation_json,
        sfn_models.StateMachine.create_from_cloudformation_json,
        parsing.resource_class_from_type,
        sfn_models.StateMachine.has_cfn_attr,
        cfn_models.Stack.has_cfn_attr,
        dynamodb_models.DynamoDBBackend.update_item,
        dynamodb_models.DynamoDBBackend.transact_write_items,
        sfn_service_task.StateTaskServiceSfn._normalise_parameters,
        sfn_service_task.StateTaskServiceSfn._normalise_response,
        sfn_responses.StepFunctionResponse.send_task_failure,
        firehose_models.FirehoseBackend.put_s3_records,
    )


def test_the_private_hooks_the_patches_rely_on_exist_in_the_pinned_moto():
    assert callable(lambda_models.LambdaFunction.invoke)
    assert callable(parsing.resource_class_from_type)
    assert hasattr(parsing, "NULL_MODELS")
    assert callable(lambda_models.LambdaFunction.update_configuration)
    assert not hasattr(lambda_models.LayerVersion, "physical_resource_id")


def test_install_redirects_and_uninstall_restores(tmp_path: Path):
    before = originals()
    patches.install(LambdaRuntime("http://127.0.0.1:9", tmp_path), patches.Artifacts(tmp_path), PROVISIONERS)
    try:
        assert lambda_models.LambdaFunction.invoke is not before[0]
        assert all(now is not then for now, then in zip(originals()[6:], before[6:], strict=True))
        assert (
            parsing.resource_class_from_type("AWS::SNS::Subscription")
            is PROVISIONERS["AWS::SNS::Subscription"]
        )
        assert (
            parsing.resource_class_from_type("AWS::DynamoDB::Table").cloudformation_type()
            == "AWS::DynamoDB::Table"
        )
        assert sfn_models.StateMachine.has_cfn_attr("Arn")
        assert cfn_models.Stack.has_cfn_attr("Outputs.TopicArn")
        with pytest.raises(patches.UnsupportedResourceTypeError, match="AWS::Pipes::Pipe"):
            parsing.resource_class_from_type("AWS::Pipes::Pipe")
        substituted = parsing.clean_json(
            {"Fn::Sub": ['{"run.$": "$$.Execution.Name", "fn": "${Fn}"}', {"Fn": "arn:fn"}]}, {}
        )
        assert substituted == '{"run.$": "$$.Execution.Name", "fn": "arn:fn"}'  # as CloudFormation does
    finally:
        patches.uninstall()
    assert originals() == before
    assert parsing.string is string
    assert not hasattr(lambda_models.LayerVersion, "physical_resource_id")
    assert not sfn_models.StateMachine.has_cfn_attr("Arn")


def test_firehose_prefix_expressions_expand_as_firehose_expands_them():
    from datetime import UTC, datetime

    at = datetime(2026, 11, 26, 7, 5, tzinfo=UTC)
    prefix = "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    assert patches._firehose_prefix(prefix, at) == "events/year=2026/month=11/day=26/hour=07/"
    assert patches._firehose_prefix("plain/", at) == "plain/"
