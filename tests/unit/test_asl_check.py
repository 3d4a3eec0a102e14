"""The ASL check that `make test` runs over statemachines/*.asl.json."""

import json

from devtools.asl_check import check, dummy_value, policy_problems

GOOD = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "${WorkFunctionArn}",
            "Next": "Done",
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
        },
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail"},
    },
}


def project(tmp_path, definition, substitutions=("WorkFunctionArn",), deployed=True):
    (tmp_path / "statemachines" / "area").mkdir(parents=True)
    (tmp_path / "statemachines" / "area" / "work.asl.json").write_text(json.dumps(definition))
    if deployed:
        subs = "".join(f"\n          {name}: x" for name in substitutions) or " {}"
        resources = (
            "  Work:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n"
            f"      DefinitionUri: statemachines/area/work.asl.json\n      DefinitionSubstitutions:{subs}\n"
        )
    else:
        resources = "  Nothing:\n    Type: AWS::SNS::Topic\n"
    (tmp_path / "template.yaml").write_text(f"Transform: AWS::Serverless-2016-10-31\nResources:\n{resources}")
    return tmp_path


def test_a_valid_deployed_workflow_passes(tmp_path):
    assert check(project(tmp_path, GOOD)) == []


def test_states_language_errors_are_reported(tmp_path):
    broken = json.loads(json.dumps(GOOD))
    broken["States"]["Work"]["Nexxt"] = broken["States"]["Work"].pop("Next")
    problems = check(project(tmp_path, broken))
    assert any("E3601" in p and "Nexxt" in p for p in problems)


def test_invalid_json_is_reported(tmp_path):
    root = project(tmp_path, GOOD)
    (root / "statemachines" / "area" / "work.asl.json").write_text("{not json")
    assert any("not valid JSON" in p for p in check(root))


def test_placeholders_and_substitutions_must_match(tmp_path):
    problems = check(project(tmp_path, GOOD, substitutions=("OtherTopicArn",)))
    assert any("${WorkFunctionArn} has no DefinitionSubstitutions entry" in p for p in problems)
    assert any("substitutes OtherTopicArn, which the workflow never uses" in p for p in problems)


def test_a_workflow_no_template_deploys_is_reported(tmp_path):
    problems = check(project(tmp_path, GOOD, deployed=False))
    assert any("no template deploys this workflow" in p for p in problems)


def test_dummy_values_look_like_what_the_placeholder_names():
    assert dummy_value("ImportChunkFunctionArn").startswith("arn:aws:lambda:")
    assert dummy_value("NotificationTopicArn").startswith("arn:aws:sns:")
    assert dummy_value("ValidationStateMachineArn").startswith("arn:aws:states:")


RETRY = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}]
CATCH = [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]


def poll(bounded: bool):
    choices = [{"Variable": "$.status", "StringEquals": "DONE", "Next": "Done"}]
    if bounded:
        choices.append({"Variable": "$.attempts", "NumericGreaterThanEquals": 10, "Next": "Failed"})
    return {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Task",
                "Resource": "${WorkFunctionArn}",
                "Retry": RETRY,
                "Catch": CATCH,
                "Next": "Ready?",
            },
            "Ready?": {"Type": "Choice", "Choices": choices, "Default": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail"},
        },
    }


def test_a_task_without_retry_and_catch_is_refused(tmp_path):
    bare = json.loads(json.dumps(GOOD))
    del bare["States"]["Work"]["Retry"], bare["States"]["Work"]["Catch"]
    problems = check(project(tmp_path, bare))
    assert any("Task Work has no Retry and no Catch" in p for p in problems)


def test_tasks_inside_parallel_branches_and_maps_are_checked_too():
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {"Inner": {"Type": "Task", "Resource": "x", "End": True}},
                },
            }
        },
    }
    assert policy_problems(definition) == ["Task Fan.ItemProcessor.Inner has no Retry and no Catch"]


def test_a_poll_loop_without_a_bound_is_refused(tmp_path):
    problems = check(project(tmp_path, poll(bounded=False)))
    assert any("loop Check -> Ready? -> Wait -> Check has no bound" in p for p in problems)


def test_a_poll_loop_with_a_counter_bound_passes(tmp_path):
    assert check(project(tmp_path, poll(bounded=True))) == []
