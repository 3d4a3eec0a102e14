"""The layout check (devtools/layout_check.py): one area name in every tree."""

from __future__ import annotations

from pathlib import Path

from devtools.layout_check import LAYER, check, reach_problems


def touch(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")


def project(root: Path) -> Path:
    touch(
        root,
        "apps/sms/template.yaml",
        "functions/sms/sms_inbound/app.py",
        "events/sms/sms_inbound/stop.json",
        "events/aws/sns/notification.json",
        "statemachines/sms/retry.asl.json",
        "tests/unit/sms/test_keywords.py",
        "tests/unit/test_readme.py",
        "tests/e2e/apps/hooks/template.yaml",
        "docs/sms.md",
        f"{LAYER}/sms/__init__.py",
        f"{LAYER}/errors.py",
        f"{LAYER}/adapters/__init__.py",
    )
    return root


def test_a_project_whose_trees_use_the_area_names_passes(tmp_path):
    assert check(project(tmp_path)) == []


def test_a_folder_that_is_not_an_area_fails_in_every_tree(tmp_path):
    root = project(tmp_path)
    touch(
        root,
        "functions/messaging/sender/app.py",
        "events/sender/batch.json",
        "statemachines/flows/send.asl.json",
        "tests/integration/messaging/test_ledger.py",
    )
    problems = "\n".join(check(root))
    for where in (
        "functions/messaging",
        "events/sender",
        "statemachines/flows",
        "tests/integration/messaging",
    ):
        assert f"{where}: " in problems


def test_loose_files_and_folders_without_a_handler_fail(tmp_path):
    root = project(tmp_path)
    touch(
        root, "functions/sms/notes/readme.txt", "statemachines/sms/retry.json", "statemachines/top.asl.json"
    )
    assert sorted(check(root)) == [
        "functions/sms/notes: a function folder has an app.py",
        "statemachines/sms/retry.json: workflows are <name>.asl.json",
        "statemachines/top.asl.json: belongs in an area's folder (statemachines/<area>/)",
    ]


def test_every_area_has_its_docs_page_and_layer_package(tmp_path):
    root = project(tmp_path)
    touch(root, "apps/email/template.yaml")
    assert sorted(check(root)) == [
        "docs/email.md: every area has its page",
        f"{LAYER.as_posix()}/email/: every area has its package in the layer",
    ]


def test_the_layers_top_level_is_areas_and_the_listed_shared_kernel(tmp_path):
    root = project(tmp_path)
    touch(root, f"{LAYER}/sms_retry.py", f"{LAYER}/messages/__init__.py")
    assert sorted(check(root)) == [
        f"{LAYER.as_posix()}/messages: a package of the layer is an area's or listed in SHARED_PACKAGES",
        f"{LAYER.as_posix()}/sms_retry.py: a module belongs in its area's package (or in SHARED_MODULES)",
    ]


def test_an_area_reaches_another_only_through_what_it_offers():
    names = {"sending", "sms", "campaigns"}
    imports = [
        ("engage.sms.retry", "engage.sending.request"),  # offered
        ("engage.sms.retry", "engage.sms.keywords"),  # its own
        ("engage.adapters.dynamodb.ledger", "engage.sending.ledger"),  # an adapter implements a port
        ("engage.runtime", "engage.sending.governor"),  # the shared services
        ("engage.campaigns.run", "engage.sending.governor"),  # an internal
        ("functions.sms.sms_retry_send.app", "engage.campaigns.wiring"),  # another area's wiring
        ("functions.sms.sms_retry_send.app", "engage.sms.wiring"),
    ]
    problems = reach_problems(imports, names)
    assert [p.split(":")[0] for p in problems] == [
        "engage.campaigns.run imports engage.sending.governor",
        "functions.sms.sms_retry_send.app imports engage.campaigns.wiring",
    ]
