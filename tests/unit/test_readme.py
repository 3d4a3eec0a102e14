"""README.md stays a short front page and docs/ holds the rest: the README fits in 10 KB, its map of
the architectures points only at paths that exist, every docs page is linked from it, and neither
the README nor any docs page tells the project's history instead of what the software does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"

MAX_README_BYTES = 10_240

HISTORY = [
    re.compile(r"\bissue \d+", re.IGNORECASE),
    re.compile(r"built \(", re.IGNORECASE),
    re.compile(r"\bseed issue", re.IGNORECASE),
    re.compile(r"\.\./shared", re.IGNORECASE),
]

INLINE_LINK = re.compile(r"\]\(([^)\s]+)\)")
REFERENCE_USE = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
REFERENCE_DEFINITION = re.compile(r"^\[([^\]]+)\]:\s*(\S+)", re.MULTILINE)
BACKTICKED = re.compile(r"`([^`\s]+)`")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def docs_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def without_code_blocks(text: str) -> str:
    """The text with fenced code blocks blanked (their lines kept, so line numbers still hold)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def is_relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) and not target.startswith("#")


def split_anchor(target: str) -> tuple[str, str | None]:
    path, _, anchor = target.partition("#")
    return path, anchor or None


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = without_code_blocks(page.read_text(encoding="utf-8"))
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)
    return {slug(h) for h in headings}


def map_section(text: str) -> str:
    match = re.search(r"^## Map of the architectures\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Map of the architectures' section"
    return match.group(1)


def references(text: str) -> dict[str, str]:
    return {label.lower(): target for label, target in REFERENCE_DEFINITION.findall(text)}


def map_targets(text: str) -> list[str]:
    """Every path the map names: inline links, reference links (resolved) and backticked paths."""
    section = map_section(text)
    defined = references(text)
    targets = INLINE_LINK.findall(section)
    for text_label, label in REFERENCE_USE.findall(section):
        key = (label or text_label).lower()
        assert key in defined, f"the map uses the reference [{key}] that README.md never defines"
        targets.append(defined[key])
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    targets += [p for p in BACKTICKED.findall(table) if "/" in p and "<" not in p]
    return targets


def exists(base: Path, target: str) -> bool:
    path, _ = split_anchor(target)
    if any(c in path for c in "*?["):
        return any(base.glob(path.rstrip("/")))
    return (base / path).exists()


# --- the front page ---------------------------------------------------------------------------


def test_readme_is_at_most_10_kb():
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, (
        f"README.md is {size} bytes (at most {MAX_README_BYTES}): move detail into docs/"
    )


def test_readme_map_comes_first():
    """The map is on the first screen: before the commands, the deploy steps and the docs list."""
    text = readme()
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert sections and sections[0] == "Map of the architectures", sections


def test_every_path_in_the_map_exists():
    targets = map_targets(readme())
    assert len(targets) > 50, "the map names too few paths: was it parsed?"
    missing = [t for t in targets if is_relative(t) and not exists(ROOT, t)]
    assert missing == []


def test_the_map_covers_every_seed_architecture_and_names_its_pieces():
    section = map_section(readme())
    rows = {line.split("|")[1].strip() for line in section.splitlines() if re.match(r"\| A\d+ \|", line)}
    assert rows == {f"A{n}" for n in range(1, 29)}
    targets = map_targets(readme())
    for kind in ("docs/", "apps/", "functions/", "statemachines/", "events/", "tests/"):
        assert any(t.startswith(kind) for t in targets), f"the map links nothing under {kind}"


def test_every_docs_page_the_readme_links_exists():
    links = [t for t in INLINE_LINK.findall(readme()) + list(references(readme()).values()) if is_relative(t)]
    docs_links = [t for t in links if split_anchor(t)[0].startswith("docs/")]
    assert docs_links, "README.md links no docs page"
    missing = [t for t in docs_links if not (ROOT / split_anchor(t)[0]).is_file()]
    assert missing == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {split_anchor(t)[0] for t in INLINE_LINK.findall(readme())}
    unlinked = [p.name for p in docs_pages() if f"docs/{p.name}" not in linked]
    assert unlinked == []


# --- no history, and links that lead somewhere -------------------------------------------------


@pytest.mark.parametrize("page", [README, *docs_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_process_history(page):
    found = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for pattern in HISTORY
        if pattern.search(line)
    ]
    assert found == [], "say what the software does now, not how it got there"


@pytest.mark.parametrize("page", [README, *docs_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(page):
    """Every relative link of the README and the docs names a file that exists, and an anchor into
    a markdown page names one of its headings."""
    text = without_code_blocks(page.read_text(encoding="utf-8"))
    targets = INLINE_LINK.findall(text) + list(references(text).values())
    broken = []
    for target in (t for t in targets if t.startswith("#") or is_relative(t)):
        path, anchor = split_anchor(target)
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists() or (anchor and resolved.suffix == ".md" and anchor not in anchors(resolved)):
            broken.append(target)
    assert broken == []


def test_slug_follows_github():
    assert slug("Phone-number validation (A5)") == "phone-number-validation-a5"
    assert slug("Starting it: `engage local up`") == "starting-it-engage-local-up"
    assert slug("A backlog drains, it does not die") == "a-backlog-drains-it-does-not-die"
