"""`make bench`'s figures with their baselines: the line each prints, and the table of
docs/benchmarks.md written from build/bench.json between its markers, the prose around it kept."""

import json

from devtools.bench import Figure
from devtools.bench_doc import END, START, rewritten, write_doc

READER = {
    "benchmark": "audience.bench_import_reader:bench_import_reader",
    "name": "import.reader.rows_per_second",
    "value": 54000.0,
    "unit": "rows/s",
    "baseline": 540000.0,
    "baseline_of": "a bare csv reader",
    "ratio": 0.1,
}
OWN = {"benchmark": "b:c", "name": "lost", "value": 0.0, "unit": "messages", "baseline": None, "ratio": None}


def test_a_figure_prints_beside_its_baseline_and_their_ratio():
    figure = Figure("rows", 54000.0, "rows/s", 540000.0, "a bare csv reader")
    assert figure.ratio == 0.1
    assert figure.line() == "rows: 54000 rows/s | baseline 540000 rows/s (a bare csv reader) | ratio 0.1x"
    assert Figure("lost", 0.0, "messages").line() == "lost: 0 messages"
    assert Figure("x", 1.0, "s", 0.0, "nothing").ratio is None


def test_the_table_is_written_between_its_markers_and_the_prose_stays(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nWhat each one does.\n")
    run = tmp_path / "bench.json"
    run.write_text(json.dumps({"figures": [READER, OWN], "failed": [], "seconds": 61.2}))
    written = write_doc(run, doc).read_text()
    assert written.startswith("# Benchmarks\n\nWhat each one does.\n") and START in written and END in written
    assert (
        "| import.reader.rows_per_second | 54,000 rows/s | 540,000 rows/s: a bare csv reader | 0.1 |"
        in written
    )
    assert "| lost | 0 messages | none: the figure is its own comparison |  |" in written
    again = rewritten(written.replace("What each one does.", "What each does."), [READER], 60.0)
    assert again.count(START) == 1 and "What each does." in again and "| lost |" not in again
