"""`make demo` keeps working: its scenario runs and reports what the README promises."""

from devtools import demo


def test_the_demo_runs_and_reports_its_figures(capsys):
    assert demo.main() == 0
    out = capsys.readouterr().out
    assert "contacts: 8 processed, 5 accepted, 3 rejected" in out
    assert "16 devices: 15 linked, oldest device now INACTIVE" in out
    assert "OPTED_OUT" in out
    assert "HARD_BOUNCE" in out
    assert "events: 200 emitted" in out
    assert "200 read back" in out
    assert "eve@example.com" not in out.lower(), "addresses are printed masked"
