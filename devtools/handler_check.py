"""The house rules for handlers that import-linter cannot state, checked by `make lint`.

Each `functions/<area>/<name>/app.py` is at most 60 lines, counted as physical lines (blank lines and
comments included) less the module docstring's, which may say as much as it needs. No handler reads
the environment (`os.environ`, `os.getenv`, in its app.py or a module beside it): its configuration
comes from the layer (engage.config's Settings, engage.runtime's services). The third rule, that
handlers import no adapters, is import-linter's (.importlinter).

Today's breaches are listed below by handler, each with what it breaks: a ratchet. A new breach fails,
and so does a listed one that no longer holds (an environment variable no longer read, a handler
back within 60 lines, a handler gone), so the lists only shrink: delete what the failure names. A
long handler may not grow past the length listed for it. Exit 1 lists every problem; the summary
counts what is left, here and in .importlinter. `--dump` prints today's breaches as the two lists.
"""

from __future__ import annotations

import ast
import configparser
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 60
WHOLE_ENVIRONMENT = "<os.environ>"  # the environment used whole (copied, iterated, passed on)

# The ratchet's exceptions, to be shrunk by the handlers' refactoring, never grown.
# Handler -> its length today (physical lines less the module docstring): the most it may have.
LONG_HANDLERS: dict[str, int] = {}
# Handler -> what it reads from the environment today: each variable's name, or the expression that
# computes a name (`<variable>`), or WHOLE_ENVIRONMENT.
ENVIRONMENT_READERS: dict[str, frozenset[str]] = {}


def handlers(root: Path) -> list[Path]:
    """Each handler's folder: functions/<area>/<name>/ with an app.py (names are unique across areas)."""
    return sorted(app.parent for app in (root / "functions").glob("*/*/app.py"))


def length(source: str) -> int:
    """Physical lines, less those of the module docstring."""
    lines = len(source.splitlines())
    tree = ast.parse(source)
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def _key(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return f"<{ast.unparse(node)}>"


def environment_reads(source: str) -> set[str]:
    """What a module reads from the environment: variables' names (`<expression>` where a name is
    computed), or WHOLE_ENVIRONMENT where it uses `os.environ` other than to read one variable."""
    tree = ast.parse(source)
    os_names, environ_names, getenv_names = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:  # `import os`, `import os as o`, `import os.path` bind os
                if alias.name == "os" or (alias.name.startswith("os.") and not alias.asname):
                    os_names.add(alias.asname or "os")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "environb"):
                    environ_names.add(alias.asname or alias.name)
                elif alias.name in ("getenv", "getenvb"):
                    getenv_names.add(alias.asname or alias.name)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}

    def refers_to(node: ast.AST, attributes: tuple[str, ...], names: set[str]) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in attributes:
            return isinstance(node.value, ast.Name) and node.value.id in os_names
        return isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load)

    reads: set[str] = set()
    for node in ast.walk(tree):
        parent = parents.get(node)
        if refers_to(node, ("getenv", "getenvb"), getenv_names):
            if isinstance(parent, ast.Call) and parent.func is node and parent.args:
                reads.add(_key(parent.args[0]))
            else:
                reads.add("<os.getenv>")  # passed on, to be called elsewhere
        elif refers_to(node, ("environ", "environb"), environ_names):
            grandparent = parents.get(parent) if parent else None
            if isinstance(parent, ast.Subscript) and parent.value is node:
                reads.add(_key(parent.slice))
            elif (
                isinstance(parent, ast.Attribute)
                and parent.attr in ("get", "setdefault", "pop")
                and isinstance(grandparent, ast.Call)
                and grandparent.func is parent
                and grandparent.args
            ):
                reads.add(_key(grandparent.args[0]))
            elif isinstance(parent, ast.Compare) and parent.comparators == [node]:
                reads.add(_key(parent.left))  # "NAME" in os.environ
            else:
                reads.add(WHOLE_ENVIRONMENT)
    return reads


def findings(root: Path) -> tuple[dict[str, int], dict[str, frozenset[str]]]:
    """Every handler's breaches today: (over-long handlers' lengths, environment readers' reads)."""
    long: dict[str, int] = {}
    environment: dict[str, frozenset[str]] = {}
    for folder in handlers(root):
        lines = length((folder / "app.py").read_text(encoding="utf-8"))
        if lines > MAX_LINES:
            long[folder.name] = lines
        reads = set().union(*(environment_reads(p.read_text(encoding="utf-8")) for p in folder.glob("*.py")))
        if reads:
            environment[folder.name] = frozenset(reads)
    return long, environment


def check(
    root: Path = ROOT,
    long_handlers: Mapping[str, int] = LONG_HANDLERS,
    environment_readers: Mapping[str, frozenset[str]] = ENVIRONMENT_READERS,
) -> list[str]:
    """Every problem: a breach not listed, or a listed one that no longer holds."""
    folders = {folder.name: folder.relative_to(root).as_posix() for folder in handlers(root)}
    names = set(folders)
    long, environment = findings(root)
    problems = []
    for name in sorted(set(long) | set(long_handlers)):
        lines, allowed = long.get(name), long_handlers.get(name)
        where = f"{folders.get(name, f'functions/*/{name}')}/app.py"
        if name not in names:
            problems.append(f"{where}: no such handler; delete {name!r} from LONG_HANDLERS")
        elif allowed is None:
            problems.append(f"{where}: {lines} lines (the module docstring not counted), over {MAX_LINES}")
        elif lines is None:
            problems.append(f"{where}: within {MAX_LINES} lines now; delete {name!r} from LONG_HANDLERS")
        elif lines > allowed:
            problems.append(f"{where}: {lines} lines, grown past the {allowed} LONG_HANDLERS allows it")
    for name in sorted(set(environment) | set(environment_readers)):
        reads, allowed_reads = environment.get(name, frozenset()), environment_readers.get(name)
        where = folders.get(name, f"functions/*/{name}")
        if name not in names:
            problems.append(f"{where}: no such handler; delete {name!r} from ENVIRONMENT_READERS")
            continue
        new, gone = reads - (allowed_reads or frozenset()), (allowed_reads or frozenset()) - reads
        if new:
            problems.append(
                f"{where}: reads the environment ({', '.join(sorted(new))}); take it from the layer "
                "(engage.config's Settings, engage.runtime's services) instead"
            )
        if gone:
            them = "it" if len(gone) == 1 else "them"
            problems.append(
                f"{where}: no longer reads {', '.join(sorted(gone))}; delete {them} from "
                f"ENVIRONMENT_READERS[{name!r}]" + (" (and the entry, now empty)" if not reads else "")
            )
    return problems


def import_linter_exceptions(root: Path, contract: str) -> list[tuple[str, str]]:
    """A contract's listed exceptions in .importlinter: its ignored imports without a wildcard (the
    wildcarded ones say which modules the rule is not about)."""
    config = configparser.ConfigParser()
    config.read(root / ".importlinter", encoding="utf-8")
    section = f"importlinter:contract:{contract}"
    lines = (
        config.get(section, "ignore_imports", fallback="").splitlines() if config.has_section(section) else []
    )
    pairs = [tuple(part.strip() for part in line.split("->")) for line in lines if "->" in line]
    return [(importer, imported) for importer, imported in pairs if "*" not in importer + imported]


def summary(root: Path = ROOT) -> str:
    """How many exceptions each ratchet still lists."""
    long, environment = findings(root)
    adapters = import_linter_exceptions(root, "handlers-no-adapters")
    shared = import_linter_exceptions(root, "handlers-through-wiring")
    domain = import_linter_exceptions(root, "domain-no-aws")
    domain_modules = sorted({importer for importer, _ in domain})
    rows = [
        (f"handlers over {MAX_LINES} lines", f"{len(long)} (LONG_HANDLERS)"),
        ("handlers reading the environment", f"{len(environment)} (ENVIRONMENT_READERS)"),
        (
            "handlers importing adapters",
            f"{len({importer for importer, _ in adapters})} ({len(adapters)} imports; .importlinter)",
        ),
        ("handlers using the shared services directly", f"{len(shared)} (.importlinter)"),
        (
            "domain modules importing adapters/wiring",
            f"{len(domain_modules)} ({', '.join(domain_modules) or 'none'}; .importlinter)",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(
        [
            f"house rules: {len(handlers(root))} handlers; exceptions left (the lists only shrink):",
            *(f"  {label + ':':<{width + 1}} {count}" for label, count in rows),
        ]
    )


def _dump(root: Path) -> Iterator[str]:
    """Today's breaches as the two allow-lists' source (`--dump`), to start or reset the ratchet."""
    long, environment = findings(root)
    yield "LONG_HANDLERS: dict[str, int] = {"
    yield from (f"    {name!r}: {lines}," for name, lines in sorted(long.items()))
    yield "}"
    yield "ENVIRONMENT_READERS: dict[str, frozenset[str]] = {"
    yield from (f"    {name!r}: frozenset({sorted(reads)!r})," for name, reads in sorted(environment.items()))
    yield "}"


def main(argv: list[str]) -> int:
    if argv[1:] == ["--dump"]:
        print("\n".join(_dump(ROOT)))
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    print(summary())
    if problems:
        print(f"handler check: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
