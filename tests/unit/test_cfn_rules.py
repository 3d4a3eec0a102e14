"""The project's cfn-lint rules (rules/engage_policy.py): each breaks on a SAM-form and a plain
CloudFormation template that violate it, and the project's own templates pass them all."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint, lint_file

ROOT = Path(__file__).resolve().parents[2]
RULES = str(ROOT / "rules")
SAM = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
CFN = "Resources:\n"
ROLE = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument: {Version: "2012-10-17", Statement: [%s]}
"""
SAM_FN = """
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
"""
CFN_FN = """
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: %s
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "def handler(e, c): return e"}
  FnLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Fn}
      RetentionInDays: 30
"""
KMS = "{KmsMasterKeyId: alias/aws/sqs}"


# cfn-lint's own rules are left out (all but E0, a template that can't be read or transformed): these
# tests are about the project's rules, and the schema checks were half of every call.
BUILT_IN_FAMILIES = [f"{kind}{family}" for kind in "EW" for family in range(1, 9)] + ["I"]


def only_ours() -> ManualArgs:
    return ManualArgs(append_rules=[RULES], regions=["us-east-1"], ignore_checks=BUILT_IN_FAMILIES)


def ids(template: str) -> set[str]:
    return {m.rule.id for m in lint(textwrap.dedent(template), config=only_ours())}


BREAKS = {
    "E9001": [
        SAM
        + SAM_FN
        + "      Policies: [{Statement: [{Effect: Allow, Action: 's3:*', Resource: 'arn:aws:s3:::b/*'}]}]\n",
        CFN + ROLE % "{Effect: Allow, Action: '*', Resource: '*'}",
    ],
    "E9002": [
        SAM
        + SAM_FN
        + "      Policies: [{Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: '*'}]}]\n",
        CFN + ROLE % "{Effect: Allow, Action: [dynamodb:GetItem], Resource: '*'}",
    ],
    "E9003": [
        SAM
        + SAM_FN
        + "      Policies: [{Statement: [{Effect: Allow, Action: mobiletargeting:UpdateEndpoint, "
        "Resource: 'arn:aws:mobiletargeting:us-east-1:123456789012:apps/a/*'}]}]\n",
        CFN
        + ROLE
        % "{Effect: Allow, Action: 'mobiletargeting:Get*', Resource: 'arn:aws:mobiletargeting:*:*:apps/*'}",
    ],
    "E9004": [SAM + SAM_FN, CFN + (CFN_FN % "python3.13").split("  FnLogs:")[0]],
    "E9005": [
        SAM
        + SAM_FN
        + "      Events: {T: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:123456789012:t}}}\n",
        CFN
        + (CFN_FN % "python3.13")
        + """
  Queue:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: alias/aws/sqs}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Queue.Arn}
""",
    ],
    "E9006": [
        SAM + "  Q:\n    Type: AWS::SQS::Queue\n    Properties: " + KMS + "\n",
        CFN + "  Q:\n    Type: AWS::SQS::Queue\n    Properties: " + KMS + "\n",
    ],
    "E9007": [
        SAM + "  T:\n    Type: AWS::Serverless::SimpleTable\n",
        CFN + "  S:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n",
    ],
    "E9008": [
        SAM
        + SAM_FN
        + "  P:\n    Type: AWS::Lambda::Permission\n    Properties: {Action: lambda:InvokeFunction, "
        "FunctionName: !Ref Fn, Principal: s3.amazonaws.com}\n",
        CFN + (CFN_FN % "python3.13") + "  P:\n    Type: AWS::Lambda::Permission\n    Properties: {Action: "
        "lambda:InvokeFunction, FunctionName: !Ref Fn, Principal: sns.amazonaws.com}\n",
    ],
    "E9009": [SAM + SAM_FN.replace("python3.13", "python3.12"), CFN + (CFN_FN % "python3.11")],
    "E9010": [
        SAM
        + """
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
      Logging:
        IncludeExecutionData: true
        Level: ALL
        Destinations:
          - CloudWatchLogsLogGroup: {LogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:l:*"}
""",
        CFN
        + """
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/r
      DefinitionString: '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'
      LoggingConfiguration: {IncludeExecutionData: true, Level: ALL}
""",
    ],
    "E9011": [
        SAM
        + SAM_FN
        + """      Events:
        Nightly:
          Type: ScheduleV2
          Properties: {ScheduleExpression: "rate(1 day)"}
""",
        CFN
        + "  Q:\n    Type: AWS::SQS::Queue\n"
        + f"    Properties: {{QueueName: engage-sends, KmsMasterKeyId: {KMS}}}\n",
    ],
    "E9012": [
        SAM + SAM_FN + "      ReservedConcurrentExecutions: 2\n",
        CFN
        + (CFN_FN % "python3.13").replace(
            "Handler: app.handler", "Handler: app.handler\n      ReservedConcurrentExecutions: 1"
        ),
    ],
}


@pytest.mark.parametrize(
    ("rule", "form", "template"),
    [(rule, form, t) for rule, ts in BREAKS.items() for form, t in zip(("SAM", "CFN"), ts, strict=True)],
)
def test_each_rule_fails_a_template_that_breaks_it(rule, form, template):
    assert rule in ids(template), f"{rule} did not fire on the {form} template"


def test_a_compliant_function_passes_every_rule():
    template = CFN + (CFN_FN % "python3.13")
    assert not {i for i in ids(template) if i.startswith("E9")}


def test_names_built_from_the_stack_or_given_by_the_operator_pass():
    template = (
        "Parameters:\n  BusName: {Type: String}\n"
        + CFN
        + f"  Q:\n    Type: AWS::SQS::Queue\n    Properties: {{QueueName: !Sub '${{AWS::StackName}}-sends', "
        f"KmsMasterKeyId: {KMS}}}\n"
        + "  Bus:\n    Type: AWS::Events::EventBus\n    Properties: {Name: !Ref BusName}\n"
    )
    assert not {"E9011"} & ids(template)
    omitted = (
        SAM
        + SAM_FN
        + """      Events:
        Nightly:
          Type: ScheduleV2
          Properties: {ScheduleExpression: "rate(1 day)", OmitName: true}
"""
    )
    assert "E9011" not in ids(omitted)


def test_deny_statements_and_surviving_pinpoint_actions_are_allowed():
    template = CFN + ROLE % (
        "{Effect: Allow, Action: [mobiletargeting:PhoneNumberValidate, "
        "mobiletargeting:SendOTPMessage], Resource: 'arn:aws:mobiletargeting:*:*:phone/number/*'}, "
        "{Effect: Deny, Action: 's3:*', Resource: '*'}"
    )
    assert not {i for i in ids(template) if i in ("E9001", "E9002", "E9003")}


def test_queues_that_are_failure_destinations_need_no_redrive_policy():
    template = (
        CFN
        + """
  Dlq:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: alias/aws/sqs}
  Work:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: alias/aws/sqs
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
"""
    )
    assert "E9006" not in ids(template)


def test_a_dead_letter_queue_of_schedules_needs_no_redrive_policy():
    template = (
        CFN
        + """
  ScheduleDlq:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: alias/aws/sqs}
  RuntimeDlq:
    Type: AWS::SQS::Queue
    Metadata: {engage: {dead-letter-for: schedules written at run time}}
    Properties: {KmsMasterKeyId: alias/aws/sqs}
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      FlexibleTimeWindow: {Mode: "OFF"}
      Target:
        Arn: arn:aws:lambda:us-east-1:123456789012:function:nightly
        RoleArn: arn:aws:iam::123456789012:role/scheduler
        DeadLetterConfig: {Arn: !GetAtt ScheduleDlq.Arn}
"""
    )
    assert "E9006" not in ids(template)


# The project's own templates are checked against these rules by `make lint` (cfn-lint with
# --append-rules rules/, a stage of `make test` too); the tests here check that each rule fails what
# it should and passes what it should.


def test_the_account_level_suppression_list_may_be_granted_on_star_but_nothing_beside_it():
    alone = CFN + ROLE % "{Effect: Allow, Action: ses:PutSuppressedDestination, Resource: '*'}"
    assert "E9002" not in ids(alone)
    mixed = (
        CFN + ROLE % "{Effect: Allow, Action: [ses:PutSuppressedDestination, ses:SendEmail], Resource: '*'}"
    )
    assert "E9002" in ids(mixed)


SCHEDULER_ROLE = """
  SchedulerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: scheduler.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: lambda:InvokeFunction, Resource: !GetAtt Fn.Arn}]
"""


@pytest.mark.parametrize(
    "template",
    [
        SAM
        + SAM_FN
        + "      Events: {Daily: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 day)}}}\n",
        CFN + (CFN_FN % "python3.13") + SCHEDULER_ROLE,  # schedules made at run time, through this role
    ],
    ids=["ScheduleV2 event", "a role Scheduler assumes to invoke it"],
)
def test_a_function_scheduler_invokes_needs_an_on_failure_destination(template):
    assert "E9005" in ids(template)


def test_an_sqs_source_given_by_another_areas_queue_arn_is_checked_where_the_queue_is_declared():
    mapping = SAM_FN + "      Events: {Requests: {Type: SQS, Properties: {Queue: !Ref %s}}}\n"
    queue = "Parameters:\n  ErasureQueueArn: {Type: String}\n" + SAM + mapping % "ErasureQueueArn"
    stream = "Parameters:\n  ChangesStreamArn: {Type: String}\n" + SAM + mapping % "ChangesStreamArn"
    stream = stream.replace(
        "{Queue: !Ref ChangesStreamArn}", "{Stream: !Ref ChangesStreamArn, StartingPosition: LATEST}"
    )
    stream = stream.replace("Type: SQS", "Type: Kinesis")
    assert "E9005" not in ids(queue)
    assert "E9005" in ids(stream)


def area_ids(root: Path, where: str, template: str) -> set[str]:
    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(template))
    return {m.rule.id for m in lint_file(path, config=only_ours())}


MACHINE = """
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: %s
      Policies: []
"""


def test_an_apps_functions_and_workflows_live_under_its_area(tmp_path):
    fn = SAM_FN.replace("CodeUri: src/", "CodeUri: ../../functions/%s/")
    assert "E9013" not in area_ids(tmp_path, "apps/sms/template.yaml", SAM + fn % "sms/sms_inbound")
    assert "E9013" in area_ids(tmp_path, "apps/sms/template.yaml", SAM + fn % "email/unsubscribe")
    assert "E9013" in area_ids(
        tmp_path, "apps/sms/template.yaml", SAM + fn % "sms"
    )  # not a folder of its own
    flow = MACHINE % "../../statemachines/%s.asl.json"
    assert "E9013" not in area_ids(tmp_path, "apps/vdm/template.yaml", SAM + flow % "vdm/vdm_export")
    assert "E9013" in area_ids(tmp_path, "apps/vdm/template.yaml", SAM + flow % "vdm_export")


def test_the_root_template_deploys_no_function_of_its_own(tmp_path):
    (tmp_path / "apps").mkdir()
    assert "E9013" in area_ids(
        tmp_path, "template.yaml", SAM + SAM_FN.replace("CodeUri: src/", "CodeUri: functions/x/")
    )
    assert "E9013" not in area_ids(tmp_path, "template.yaml", SAM + "  T:\n    Type: AWS::SNS::Topic\n")
