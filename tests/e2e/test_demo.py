"""`make demo` keeps working: its scenario runs on the local stack and reports what the README
promises (run as `make demo` runs it, in a process of its own)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_the_demo_runs_and_reports_its_figures():
    done = subprocess.run(
        [sys.executable, "-m", "devtools.demo"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "local stack up in" in out
    assert "import of customers.csv: job COMPLETED in 1 chunk(s), 8 processed, 5 imported, 3 rejected" in out
    assert "line 8: Address: is not a syntactically valid email address" in out
    assert "imported segment 'customers': 5 endpoints {'EMAIL': 1, 'SMS': 4}" in out
    assert (
        "phone validation of the imported segment: COMPLETED in 1 part(s); 4 endpoints, 4 validated, "
        "0 invalid (0 offline), 0 cache hits, 0 duplicates, 4 PhoneNumberValidate calls, 0 failed"
    ) in out
    assert (
        "phone validation of the whole application: COMPLETED in 1 part(s); 4 endpoints, 4 validated, "
        "0 invalid (0 offline), 4 cache hits, 0 duplicates, 0 PhoneNumberValidate calls, 0 failed"
    ) in out
    assert re.search(
        r"campaign seed-chain-\w+ \(template demo-welcome\): run COMPLETED, 4 of 5 endpoints queued "
        r"\(4 Queued, 1 NO_MESSAGE_FOR_CHANNEL\)",
        out,
    )
    assert "outbox: 4 SendTextMessage request(s) for the campaign" in out
    # numbers masked: Ana's +14256791901 shows as its last two digits only
    assert "to +*********01: 'Hi Ana, welcome aboard'" in out and "+14256791901" not in out
    assert 'replied "please stop texting me": consent OPTED_OUT, 1 confirmation sent' in out
    assert (
        "the campaign again: run COMPLETED, 3 queued (3 Queued, 1 NO_MESSAGE_FOR_CHANNEL, 1 OPTED_OUT)" in out
    )
    assert "contacts: 8 processed, 5 accepted, 3 rejected" in out
    assert "16 devices: 15 linked, oldest device now INACTIVE" in out
    assert "OPTED_OUT" in out
    assert "HARD_BOUNCE" in out
    # The event lake: what the sender, SES's simulator and End User Messaging reported, by the views.
    assert "lake:   5 _email.send" in out and "lake:   4 _email.delivered" in out
    # the chain's 4, 3 when the campaign ran again, and the STOP confirmation (sent by the sender too)
    assert "lake:   8 _SMS.SUCCESS" in out and "lake:   8 _SMS.BUFFERED" in out
    assert "lake:   1 purchase_success" in out
    assert (
        "email funnel of 'November newsletter': 5 sent, 4 delivered, 2 opened, 1 clicked; "
        "1 hard bounce(s), 1 complaint(s)"
    ) in out
    assert re.search(r"SMS of 'customers': 4 sent, 4 delivered, 0 failed, cost \$0\.0\d+", out)
    report = re.search(r"campaign report: (\S+)", out).group(1)
    page = Path(report).read_text()
    assert page.startswith("<!doctype html>") and "November newsletter" in page
    assert "eve@example.com" not in out.lower(), "addresses are printed masked"
    assert "journey 'Welcome': joy signed up, welcome email sent; the text waits an hour" in out
    assert "an hour later (the local clock advanced): the text sent; participants: u#joy DONE" in out
