from tests.support.pii import lines_with_pii


def test_lines_with_addresses_or_numbers_in_clear_are_found_and_reported_masked():
    found = lines_with_pii(
        [
            "START RequestId: 3f2c9a1e-4b7d-4c1a-9e2f-123456789abc",
            "sent to jane@example.com",
            "reply from +14255550100",
            "REPORT Duration: 60.17 ms",
            "to j***@***.com",
        ]
    )
    assert found == ["sent to j***@***.com", "reply from +*********00"]
