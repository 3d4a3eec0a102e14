"""The ASL check that `make test` runs over statemachines/*.asl.json."""

import json

from devtools.asl_check import check, dummy_value

GOOD = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Task", "Resource": "${WorkFunctionArn}", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def project(tmp_path, definition, substitutions=("WorkFunctionArn",), deployed=True):
    (tmp_path / "statemachines").mkdir()
    (tmp_path / "statemachines" / "work.asl.json").write_text(json.dumps(definition))
    if deployed:
        subs = "".join(f"\n          {name}: x" for name in substitutions) or " {}"
        resources = (
            "  Work:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n"
            f"      DefinitionUri: statemachines/work.asl.json\n      DefinitionSubstitutions:{subs}\n"
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
    (root / "statemachines" / "work.asl.json").write_text("{not json")
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
