"""The house rules that `make lint` checks: the import contracts (.importlinter, run by import-linter)
and the handlers' length and environment rules (devtools/handler_check.py), each a ratchet of named
exceptions. The repository keeps them, and each catches a new breach and a stale exception."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.handler_check import (
    ENVIRONMENT_READERS,
    LONG_HANDLERS,
    MAX_LINES,
    check,
    environment_reads,
    import_linter_exceptions,
    length,
    summary,
)

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> tuple[int, str]:
    """lint-imports with the contracts in `where`/.importlinter, over the packages in `where`."""
    done = subprocess.run(
        [str(LINT_IMPORTS), "--config", ".importlinter", "--no-cache", "--no-logo"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300"},  # rich wraps its report at the terminal's width
    )
    return done.returncode, " ".join((done.stdout + done.stderr).split())


@pytest.fixture
def copy(tmp_path):
    """The layer, the handlers and .importlinter copied, for a test to break."""
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "layers" / "engage" / "engage", tmp_path / "engage", ignore=skip)
    shutil.copytree(ROOT / "functions", tmp_path / "functions", ignore=skip)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# The repository


def test_the_repository_keeps_the_import_contracts():
    code, output = lint_imports(ROOT)
    assert code == 0, output
    assert "4 kept, 0 broken" in output


def test_the_repository_keeps_the_handler_rules():
    assert check(ROOT) == []


def test_the_summary_counts_every_ratchet():
    text = summary(ROOT)
    assert f"handlers over {MAX_LINES} lines: {len(LONG_HANDLERS)} " in " ".join(text.split())
    handler_exceptions = import_linter_exceptions(ROOT, "handlers-no-adapters")
    assert f"{len({i for i, _ in handler_exceptions})} ({len(handler_exceptions)} imports" in text


# The import contracts catch a new breach


def test_a_handler_importing_an_adapter_breaks_a_contract(copy):
    write(copy / "functions" / "sending" / "fake" / "app.py", "from engage.adapters.clients import clients\n")
    code, output = lint_imports(copy)
    assert code == 1
    assert "functions.sending.fake.app -> engage.adapters.clients (l.1)" in output


def test_a_handler_importing_boto3_breaks_a_contract(copy):
    write(copy / "functions" / "sending" / "fake" / "app.py", '"""A handler."""\n\nimport boto3\n')
    code, output = lint_imports(copy)
    assert code == 1
    assert "functions.sending.fake.app -> boto3 (l.3)" in output


def test_a_domain_module_importing_boto3_or_the_wiring_breaks_a_contract(copy):
    write(
        copy / "engage" / "fake_domain.py", "import boto3\n\n\ndef later():\n    from engage import runtime\n"
    )
    code, output = lint_imports(copy)
    assert code == 1
    assert "engage.fake_domain is not allowed to import boto3" in output
    assert "engage.fake_domain -> boto3 (l.1)" in output
    assert "engage.fake_domain -> engage.runtime (l.5)" in output  # an import inside a function too


def test_a_domain_module_importing_an_adapter_breaks_a_contract(copy):
    write(
        copy / "engage" / "campaigns" / "fake.py",
        "from engage.adapters.kinesis.stream import KinesisEventStream\n",
    )
    code, output = lint_imports(copy)
    assert code == 1
    assert "engage.campaigns.fake -> engage.adapters.kinesis.stream (l.1)" in output


def test_the_layer_importing_the_local_stack_breaks_a_contract(copy):
    write(copy / "engage" / "fake_domain.py", "from engage_local.stack import LocalStack\n")
    code, output = lint_imports(copy)
    assert code == 1
    assert "engage.fake_domain -> engage_local (l.1)" in output


def test_an_adapter_may_import_boto3(copy):
    write(copy / "engage" / "adapters" / "fake.py", "import boto3\nimport botocore.exceptions\n")
    code, output = lint_imports(copy)
    assert code == 0, output


# ... and an exception that no longer holds


def test_an_exception_no_longer_needed_fails_until_deleted(copy):
    """A handler listed as importing an adapter that it no longer imports (refactored)."""
    config = copy / ".importlinter"
    config.write_text(
        config.read_text()
        + "ignore_imports =\n    functions.sending.sender.app -> engage.adapters.sqs.queue\n"
    )
    assert import_linter_exceptions(copy, "handlers-no-adapters") == [
        ("functions.sending.sender.app", "engage.adapters.sqs.queue")
    ]
    code, output = lint_imports(copy)
    assert code == 1
    assert "No matches for ignored import functions.sending.sender.app -> engage.adapters.sqs.queue" in output


# The handler rules


def handler(root: Path, name: str, body: str, docstring: str = '"""A handler."""\n') -> Path:
    write(root / "functions" / "area" / name / "app.py", docstring + body)
    return root


def test_the_length_leaves_out_the_module_docstring():
    docstring = '"""One\nand two\nand three."""\n'
    assert length(docstring + "\nx = 1\n") == 2
    assert length("x = 1\n# a comment\n\n") == 3  # blank lines and comments count
    assert length("") == 0


def test_a_handler_of_60_lines_passes_and_of_61_fails(tmp_path):
    handler(tmp_path, "short", "x = 1\n" * 59, docstring='"""Long\n' + "docstring\n" * 30 + '"""\n\n')
    assert length((tmp_path / "functions" / "area" / "short" / "app.py").read_text()) == 60
    assert check(tmp_path, {}, {}) == []
    handler(tmp_path, "long", "x = 1\n" * 61, docstring="")
    assert check(tmp_path, {}, {}) == [
        "functions/area/long/app.py: 61 lines (the module docstring not counted), over 60"
    ]


def test_a_listed_long_handler_may_not_grow_and_must_leave_the_list_when_short(tmp_path):
    handler(tmp_path, "long", "x = 1\n" * 70, docstring="")
    assert check(tmp_path, {"long": 70}, {}) == []
    assert check(tmp_path, {"long": 75}, {}) == []  # shrunk, though not yet to 60
    assert check(tmp_path, {"long": 65}, {}) == [
        "functions/area/long/app.py: 70 lines, grown past the 65 LONG_HANDLERS allows it"
    ]
    handler(tmp_path, "long", "x = 1\n" * 60, docstring="")
    assert check(tmp_path, {"long": 70}, {}) == [
        "functions/area/long/app.py: within 60 lines now; delete 'long' from LONG_HANDLERS"
    ]
    assert check(tmp_path, {"gone": 70}, {}) == [
        "functions/*/gone/app.py: no such handler; delete 'gone' from LONG_HANDLERS"
    ]


@pytest.mark.parametrize(
    ("source", "reads"),
    [
        ('import os\nA = os.environ["TABLE"]\n', {"TABLE"}),
        ('import os\nA = os.environ.get("TABLE", "t")\n', {"TABLE"}),
        ('import os\nA = os.getenv("TABLE")\n', {"TABLE"}),
        ('import os as system\nA = system.environ["TABLE"]\n', {"TABLE"}),
        ('from os import environ\nA = environ["TABLE"]\n', {"TABLE"}),
        ('from os import getenv as read\nA = read("TABLE")\n', {"TABLE"}),
        ('import os.path\nA = "TABLE" in os.environ\n', {"TABLE"}),
        ("import os\nname = 'T'\nA = os.environ[name]\n", {"<name>"}),
        ("import os\nA = dict(os.environ)\n", {"<os.environ>"}),
        ("import os\ndef handler():\n    return os.environ['LATE']\n", {"LATE"}),
        ('import os\nA = os.path.join("a", "b")\n', set()),
        ('environ = {"TABLE": 1}\nA = environ["TABLE"]\n', set()),  # not the os one
    ],
)
def test_environment_reads(source, reads):
    assert environment_reads(source) == reads


def test_a_handler_reading_the_environment_fails(tmp_path):
    handler(tmp_path, "reader", 'import os\n\nTABLE = os.environ["TABLE"]\n')
    assert check(tmp_path, {}, {}) == [
        "functions/area/reader: reads the environment (TABLE); take it from the layer "
        "(engage.config's Settings, engage.runtime's services) instead"
    ]


def test_a_module_beside_the_handler_counts_as_the_handler(tmp_path):
    handler(tmp_path, "api", "from routes import router\n")
    write(tmp_path / "functions" / "area" / "api" / "routes.py", "import os\nrouter = os.getenv('ROUTES')\n")
    assert check(tmp_path, {}, {"api": frozenset({"ROUTES"})}) == []


def test_a_listed_environment_reader_may_read_no_new_variable_and_must_shrink(tmp_path):
    handler(tmp_path, "reader", 'import os\n\nA, B = os.environ["A"], os.getenv("B")\n')
    assert check(tmp_path, {}, {"reader": frozenset({"A", "B"})}) == []
    assert check(tmp_path, {}, {"reader": frozenset({"A"})}) == [
        "functions/area/reader: reads the environment (B); take it from the layer "
        "(engage.config's Settings, engage.runtime's services) instead"
    ]
    assert check(tmp_path, {}, {"reader": frozenset({"A", "B", "C"})}) == [
        "functions/area/reader: no longer reads C; delete it from ENVIRONMENT_READERS['reader']"
    ]
    handler(tmp_path, "reader", "from engage.runtime import services\n")
    assert check(tmp_path, {}, {"reader": frozenset({"A", "B"})}) == [
        "functions/area/reader: no longer reads A, B; delete them from ENVIRONMENT_READERS['reader']"
        " (and the entry, now empty)"
    ]


def test_the_allow_lists_name_only_handlers_that_exist():
    names = {p.parent.name for p in (ROOT / "functions").glob("*/*/app.py")}
    assert set(LONG_HANDLERS) <= names
    assert set(ENVIRONMENT_READERS) <= names
