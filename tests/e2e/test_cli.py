"""Contract tests of the `engage` command (docs/cli.md): each command's --json
output, exit codes, and acting on the running local stack from another process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.contacts import ContactStore

from tests.support.apps import named_app
from tests.support.cli import ENGAGE, engage

CLI_APP = named_app("cli-app")
CLI_IMPORT_APP = named_app("cli-import")

pytestmark = pytest.mark.e2e
PROBE_EVENT = Path(__file__).parent / "apps" / "runtime" / "events" / "probe.json"


def test_local_invoke_returns_the_handlers_result_as_json(local_stack):
    done = engage(
        "local",
        "invoke",
        "AlphaFunction",
        "--stack",
        "runtime-test",
        "--event",
        str(PROBE_EVENT),
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status_code"] == 200
    assert result["function_error"] is None
    assert result["payload"]["label"] == "from-the-cli"
    assert result["payload"]["var"] == "alpha"
    assert "START RequestId" in result["logs"]
    assert "probe" in result["logs"]


def test_local_invoke_reaches_functions_of_nested_applications(local_stack):
    done = engage(
        "local",
        "invoke",
        "Child/ChildFunction",
        "--stack",
        "runtime-test",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["payload"]["greeting"] == "hello"


def test_local_invoke_of_a_failing_handler_exits_1_with_lambdas_error(local_stack, tmp_path):
    event = tmp_path / "fail.json"
    event.write_text(json.dumps({"fail": "bad input"}))
    done = engage(
        "local",
        "invoke",
        "AlphaFunction",
        "--stack",
        "runtime-test",
        "--event",
        str(event),
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["function_error"] == "Unhandled"
    assert result["payload"]["errorType"] == "RuntimeError"


def test_local_invoke_of_an_unknown_function_names_the_ones_there_are(local_stack):
    done = engage(
        "local",
        "invoke",
        "NoSuchFunction",
        "--stack",
        "runtime-test",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "NotFound"
    assert "AlphaFunction" in error["message"]


def test_contacts_get_by_endpoint_user_and_address(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    store = ContactStore(
        DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    store.upsert(
        CLI_APP,
        "ep-mail",
        {"ChannelType": "EMAIL", "Address": "Cli@Example.com", "User": {"UserId": "u"}},
    )
    store.upsert(
        CLI_APP, "ep-sms", {"ChannelType": "SMS", "Address": "+14255550142", "User": {"UserId": "u"}}
    )

    by_id = engage(
        "contacts",
        "get",
        "--app",
        CLI_APP,
        "--endpoint",
        "ep-mail",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert by_id.returncode == 0, by_id.stderr
    assert json.loads(by_id.stdout)["Address"] == "Cli@Example.com"
    by_user = engage(
        "contacts", "get", "--app", CLI_APP, "--user", "u", "--json", state_dir=local_stack.state_dir
    )
    assert sorted(e["Id"] for e in json.loads(by_user.stdout)) == ["ep-mail", "ep-sms"]
    by_address = engage(
        "contacts",
        "get",
        "--app",
        CLI_APP,
        "--address",
        "+1 425 555 0142",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert [e["Id"] for e in json.loads(by_address.stdout)] == ["ep-sms"]
    missing = engage(
        "contacts",
        "get",
        "--app",
        CLI_APP,
        "--endpoint",
        "nope",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["type"] == "NotFoundException"


def test_commands_say_plainly_when_no_local_stack_is_running(tmp_path):
    for args in (["contacts", "get", "--app", "a", "--endpoint", "e"], ["local", "invoke", "Fn"]):
        done = engage(*args, state_dir=tmp_path)
        assert done.returncode == 2
        assert "No local stack is running" in done.stderr
        assert "engage local up" in done.stderr
        as_json = engage(*args, "--json", state_dir=tmp_path)
        assert json.loads(as_json.stdout)["error"]["type"] == "NotRunning"


def test_local_up_takes_parameter_overrides_and_serves_other_commands_until_sigterm(tmp_path):
    env = {**os.environ, "ENGAGE_LOCAL_STATE_DIR": str(tmp_path)}
    overrides = [
        "PixelApplicationId=0123456789abcdef0123456789abcdef",
        "PixelAllowedOrigins=https://shop.example",
    ]
    up = subprocess.Popen(
        [*ENGAGE, "local", "up", "--json", "--parameter-overrides", *overrides],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        ready = json.loads(up.stdout.readline())
        assert ready["endpoint_url"].startswith("http://127.0.0.1:")
        assert ready["stacks"] == ["engage"]
        assert ready["resources"] >= 7
        outputs = json.loads((tmp_path / "stack.json").read_text())["stacks"]["engage"]["outputs"]
        assert "PixelDlqUrl" in outputs, "the optional pixel was turned on by a parameter"
        # The web console: its page through the local edge, its config naming this stack's pools.
        page = requests.get(ready["console_url"], timeout=10)
        assert page.status_code == 200 and '<div id="root">' in page.text
        assert "connect-src" in page.headers["Content-Security-Policy"]
        config = requests.get(ready["console_url"].replace("index.html", "config.json"), timeout=10).json()
        assert (config["userPoolId"], config["apiUrl"]) == (outputs["ConsoleUserPoolId"], ready["api_url"])
        users = json.loads(Path(ready["console_users"]).read_text())
        assert (
            set(users) == {"FullAccess", "MaskedAccess"}
            and oct(Path(ready["console_users"]).stat().st_mode)[-3:] == "600"
        )
        done = engage("contacts", "get", "--app", "a", "--endpoint", "e", "--json", state_dir=tmp_path)
        assert json.loads(done.stdout)["error"]["type"] == "NotFoundException", "it reached the running stack"
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=30) == 0
    assert not (tmp_path / "stack.json").exists()
    logged = up.stderr.read()
    assert "creating stack engage" in logged and "normalized_open_api_version" not in logged
    assert engage("contacts", "get", "--app", "a", "--endpoint", "e", state_dir=tmp_path).returncode == 2


def test_local_up_stops_on_the_first_signal_even_while_it_deploys(tmp_path):
    env = {**os.environ, "ENGAGE_LOCAL_STATE_DIR": str(tmp_path)}
    up = subprocess.Popen(
        [*ENGAGE, "local", "up"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    for line in up.stderr:  # busy deploying
        if "creating stack engage" in line:
            break
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=30) == 0
    assert not (tmp_path / "stack.json").exists()


def test_local_up_refuses_a_parameter_the_template_does_not_have(tmp_path):
    env = {**os.environ, "ENGAGE_LOCAL_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [*ENGAGE, "local", "up", "--parameter-overrides", "NoSuchParameter=1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "[NoSuchParameter] do not exist in the template" in done.stderr


SAMPLE_FILES = Path(__file__).resolve().parents[2] / "events" / "audience" / "import_files"


def test_import_dry_run_reports_every_rejection_by_line(tmp_path):
    done = engage("import", str(SAMPLE_FILES / "messy.csv"), "--dry-run", "--json", state_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["processed"], report["accepted"], report["rejected"]) == (8, 5, 3)
    assert [f["line"] for f in report["failures"]] == [8, 9, 10]
    not_csv = tmp_path / "photo.csv"
    not_csv.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    refused = engage("import", str(not_csv), "--dry-run", "--json", state_dir=tmp_path)
    assert refused.returncode == 1
    assert "not UTF-8 text" in json.loads(refused.stdout)["error"]["message"]


def test_import_uploads_follows_the_job_and_jobs_list_shows_it(local_stack):
    done = engage(
        "import",
        str(SAMPLE_FILES / "clean.csv"),
        "--app",
        CLI_IMPORT_APP,
        "--json",
        state_dir=local_stack.state_dir,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 3, 0)
    assert "chunks" in done.stderr, "progress is shown while the job runs"
    listed = engage("jobs", "list", "--app", CLI_IMPORT_APP, "--json", state_dir=local_stack.state_dir)
    assert [j["Id"] for j in json.loads(listed.stdout)] == [job["Id"]]
