"""Promises of the root template's core, read from template.yaml itself."""

from cfnlint.decode import cfn_yaml

from devtools.template import ROOT, resource, root_template

PUBLISHERS = {"ses.amazonaws.com", "sns.amazonaws.com", "sms-voice.amazonaws.com", "events.amazonaws.com"}


def test_every_function_and_layer_targets_python313():
    template = root_template()
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function") and "Runtime" in props:
            assert props["Runtime"] == "python3.13", name
        if res["Type"] == "AWS::Serverless::LayerVersion":
            assert props["CompatibleRuntimes"] == ["python3.13"], name
            assert res["Metadata"]["BuildMethod"] == "python3.13", name


def test_the_key_lets_service_publishers_of_this_account_use_it_and_rotates():
    key = resource("EngageKey")["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    publishers = statements["ServicePublishersInThisAccount"]
    assert set(publishers["Principal"]["Service"]) == PUBLISHERS
    assert set(publishers["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert "aws:SourceAccount" in publishers["Condition"]["StringEquals"]
    for statement in statements.values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "*" not in actions
        assert "kms:*" not in actions


def test_stores_are_encrypted_with_the_key_and_recoverable():
    for table in ("ContactsTable", "ConsentTable", "SuppressionTable"):
        props = resource(table)["Properties"]
        assert props["SSESpecification"]["SSEType"] == "KMS", table
        assert props["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "EngageKey"}, table
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, table
        assert resource(table)["DeletionPolicy"] == "Retain", table


def test_the_event_stream_is_encrypted_with_the_key():
    encryption = resource("EventStream")["Properties"]["StreamEncryption"]
    assert encryption == {"EncryptionType": "KMS", "KeyId": {"Fn::GetAtt": ["EngageKey", "Arn"]}}


def test_functions_get_the_resource_names_the_engage_settings_read():
    from engage.config import Settings

    root = set(root_template()["Globals"]["Function"]["Environment"]["Variables"])
    nested: set[str] = set()
    for path in sorted((ROOT / "apps").glob("*/template.yaml")):
        app = cfn_yaml.load(str(path))
        nested |= set(app.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
        nested |= {
            name
            for resource in app["Resources"].values()
            for name in ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables", {})
        }
    core = {"CONTACTS_TABLE", "CONSENT_TABLE", "SUPPRESSION_TABLE", "EVENT_STREAM", "STAGE"}
    assert core <= root
    assert set(Settings.ENV_NAMES.values()) - core <= nested


def test_each_sub_application_gets_exactly_the_parameters_it_declares():
    """A parameter given to a nested application that does not declare it is an error CloudFormation
    reports only at deploy time (cfn-lint does not look inside), and a required one left out too."""
    for logical_id, nested in root_template()["Resources"].items():
        if nested["Type"] != "AWS::Serverless::Application":
            continue
        child = cfn_yaml.load(str(ROOT / nested["Properties"]["Location"]))
        declared = child.get("Parameters", {})
        given = set(nested["Properties"].get("Parameters", {}))
        assert not given - set(declared), f"{logical_id} does not declare {sorted(given - set(declared))}"
        required = {name for name, spec in declared.items() if "Default" not in spec}
        assert not required - given, f"{logical_id} is not given {sorted(required - given)}"
