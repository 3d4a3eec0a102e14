"""One area name in every tree, checked by `make lint`.

The areas are the sub-applications: every `apps/<area>/template.yaml`. Each tree uses their names
and nothing else: `functions/<area>/<function>/app.py`, `events/<area>/<function>/` (AWS's own
shapes under `events/aws/`), `statemachines/<area>/<workflow>.asl.json`, `tests/<tier>/<area>/`
(tests about the whole repository or the local stack sit at the tier's root), `docs/<area>.md`, and
the layer's package `engage/<area>/`. The layer's other top-level packages and modules are the
shared kernel every area builds on, listed below: a new one is either an area's or added here on
purpose. An area reaches into another only through the modules that area offers (AREA_SURFACES):
never its wiring, never its internals. cfn-lint's rule E9013 checks the other half of the layout:
an app deploys code from its own area only.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = Path("layers") / "engage" / "engage"
TIERS = ("unit", "integration", "e2e", "bench", "cloud")
# Folders under tests/<tier>/ that hold no tests of an area: the e2e tier's fixture applications.
TEST_FIXTURES = {"e2e/apps"}
# The layer's shared kernel: what every area uses (the application, contact and segment models, the
# templates, the stores of consent and suppression, the event stream, configuration, errors,
# retries, the clock, logging, resources' kept versions) and the adapters, grouped by AWS service.
SHARED_PACKAGES = {"adapters", "applications", "contacts", "segments", "templates"}
SHARED_MODULES = {
    "__init__",
    "roles",
    "addresses",
    "batch",
    "clock",
    "config",
    "consent",
    "custom_resources",
    "envelopes",
    "errors",
    "events",
    "ids",
    "jobs",
    "obs",
    "redact",
    "retry",
    "runtime",
    "signed_tokens",
    "suppression",
    "versions",
}
IGNORED = {"__pycache__", "README.md", "__init__.py", "conftest.py"}
# What each area offers the others: the modules of engage.<area> that another area's modules and
# handlers may import. Everything else in an area (its wiring above all) is its own. The adapters
# (which implement the areas' ports) and engage.runtime (the services every area shares) are not
# areas' modules and may import any; the API's handler is the Pinpoint-compatible facade over the
# areas and may import their public modules like any other.
AREA_SURFACES: dict[str, set[str]] = {
    "api": {"ingest"},
    "console": {"views"},  # the masked view the API's extension routes answer
    "audience": {"imports.job", "imports.reader", "phone.validation"},
    # triggers: the EventFilter matching journeys share; status: CampaignStatus as the API answers it
    "campaigns": {"model", "runs", "status", "triggers"},
    "extensions": {
        "attachments",
        "connect",
    },  # connect: a contact's attributes, as journeys' calls carry them
    "journeys": {"model"},  # model: WriteJourneyRequest's members, which copying keeps
    "lake": {"erasure"},
    "sending": {
        "archive",
        "caps",
        "channel_sends",
        "contact_center",  # the campaign and role ARNs a journey's contact center activity names
        "custom_answers",
        "eligibility",
        "ledger",
        "mime",
        "queued",
        "quiet_time",
        "request",
        "sender",
        "sending_hours",
        "text_context",
        "unsubscribe",
    },
    "sms": {"encoding"},
}


def areas(root: Path = ROOT) -> set[str]:
    return {p.parent.name for p in (root / "apps").glob("*/template.yaml")}


def _children(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in IGNORED) if folder.is_dir() else []


def check(root: Path = ROOT) -> list[str]:
    names = areas(root)
    problems: list[str] = []

    def in_areas(tree: str, allowed: set[str] | None = None) -> list[Path]:
        folders = []
        for child in _children(root / tree):
            where = child.relative_to(root).as_posix()
            if child.is_file():
                if tree.startswith("tests/"):
                    continue  # repository-wide tests at the tier's root
                problems.append(f"{where}: belongs in an area's folder ({tree}/<area>/)")
            elif child.name not in names | (allowed or set()):
                problems.append(f"{where}: {child.name!r} is not an area (apps/<area>/template.yaml)")
            else:
                folders.append(child)
        return folders

    for area in in_areas("functions"):
        for function in _children(area):
            if not (function / "app.py").is_file():
                problems.append(f"{function.relative_to(root).as_posix()}: a function folder has an app.py")
    in_areas("events", {"aws"})
    for area in in_areas("statemachines"):
        for workflow in _children(area):
            if not workflow.name.endswith(".asl.json"):
                problems.append(f"{workflow.relative_to(root).as_posix()}: workflows are <name>.asl.json")
    for tier in TIERS:
        fixtures = {path.split("/", 1)[1] for path in TEST_FIXTURES if path.startswith(f"{tier}/")}
        in_areas(f"tests/{tier}", fixtures)
    for area in sorted(names):
        if not (root / "docs" / f"{area}.md").is_file():
            problems.append(f"docs/{area}.md: every area has its page")
        if not (root / LAYER / area / "__init__.py").is_file():
            problems.append(f"{LAYER.as_posix()}/{area}/: every area has its package in the layer")
    for child in _children(root / LAYER):
        where = child.relative_to(root).as_posix()
        if child.is_dir() and child.name not in names | SHARED_PACKAGES:
            problems.append(f"{where}: a package of the layer is an area's or listed in SHARED_PACKAGES")
        elif child.suffix == ".py" and child.stem not in SHARED_MODULES:
            problems.append(f"{where}: a module belongs in its area's package (or in SHARED_MODULES)")
    return problems


def _area_of(module: str, names: set[str]) -> str | None:
    """The area a module of the layer (engage.<area>...) or a handler (functions.<area>...) is in."""
    parts = module.split(".")
    if len(parts) > 1 and parts[0] in ("engage", "functions") and parts[1] in names:
        return parts[1]
    return None


def reach_problems(imports: list[tuple[str, str]], names: set[str]) -> list[str]:
    """The imports, (importer, imported), by which one area reaches into another's own modules."""
    problems = []
    for importer, imported in imports:
        source, target = _area_of(importer, names), _area_of(imported, names)
        if not imported.startswith("engage.") or target is None or source in (None, target):
            continue
        inner = imported.split(".", 2)[2] if imported.count(".") >= 2 else ""
        if inner not in AREA_SURFACES.get(target, set()):
            problems.append(
                f"{importer} imports {imported}: {target}'s own module; use what {target} offers "
                f"({', '.join(sorted(AREA_SURFACES.get(target, ()))) or 'nothing yet'}) or add it to "
                f"AREA_SURFACES[{target!r}] on purpose"
            )
    return problems


def layer_imports(root: Path = ROOT) -> list[tuple[str, str]]:
    """Every direct import among the layer's and the handlers' modules (grimp, as import-linter)."""
    import grimp  # import-linter's graph builder; only the lint needs it

    for path in (root / "layers" / "engage", root):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    graph = grimp.build_graph("engage", "functions", cache_dir=None)
    return [(m, d) for m in sorted(graph.modules) for d in sorted(graph.find_modules_directly_imported_by(m))]


def main() -> int:
    problems = check() + reach_problems(layer_imports(), areas())
    for problem in problems:
        print(problem)
    print(f"layout check: {len(areas())} areas, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
