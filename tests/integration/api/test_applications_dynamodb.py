"""Applications on moto (the root stack's ApplicationsTable) and the sweep that removes a deleted
application's items from the stores, keys as the stores write them."""

from __future__ import annotations

import pytest
from engage.adapters.dynamodb.applications import DynamoApplicationStore, DynamoTableSweeper, removal_plan
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.applications import KEEP_ID_TAG, Applications
from engage.applications.removal import TableSweep
from engage.consent import consent_record
from engage.errors import ConflictError, NotFoundError

from devtools.template import create_table

ARN = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/"
GONE, KEPT = "a" * 32, "b" * 32


@pytest.fixture
def applications(dynamodb):
    return Applications(DynamoApplicationStore(create_table(dynamodb, "ApplicationsTable"), dynamodb), ARN)


def test_applications_are_created_read_configured_deleted_and_their_ids_come_back_only_when_clean(
    applications,
):
    created = applications.create({"Name": "shop", "tags": {KEEP_ID_TAG: GONE, "team": "crm"}})
    assert applications.get(GONE) == created and applications.list() == [created]
    with pytest.raises(ConflictError):
        applications.create({"Name": "again", "tags": {KEEP_ID_TAG: GONE}})
    settings = applications.update_settings(GONE, {"Limits": {"Daily": 2}})
    assert applications.get_settings(GONE) == settings and applications.settings(GONE)["Limits"] == {
        "Daily": 2
    }
    assert applications.rename(GONE, {"Name": "shop eu"})["Name"] == "shop eu"
    applications.delete(GONE)
    with pytest.raises(NotFoundError):
        applications.update_settings(GONE, {"Limits": {"Daily": 3}})
    with pytest.raises(ConflictError):  # its data is still being removed
        applications.create({"Name": "too soon", "tags": {KEEP_ID_TAG: GONE}})
    store = applications.store
    store.save_removal(GONE, {"Status": "COMPLETED"})
    assert applications.create({"Name": "back", "tags": {KEEP_ID_TAG: GONE}})["Name"] == "back"


def test_the_sweep_removes_one_applications_items_page_by_page_and_keeps_erasure_markers(dynamodb):
    consent = DynamoConsentStore(create_table(dynamodb, "ConsentTable"), dynamodb)
    suppression = DynamoSuppressionList(
        create_table(dynamodb, "SuppressionTable"), dynamodb, lambda: b"erasure-key"
    )
    for app in (GONE, KEPT):
        for n in range(7):
            consent.record(
                consent_record(
                    app, "EMAIL", f"p{n}@example.com", "OPTED_IN", "import", "2026-12-01T00:00:00Z"
                )
            )
        suppression.suppress_erased(app, "EMAIL", "erased@example.com", "2026-12-01T00:00:00Z")
    (sweep,) = [s for s in removal_plan(GONE, {"consent": consent.table}, {}) if isinstance(s, TableSweep)]
    sweeper = DynamoTableSweeper(dynamodb)
    import engage.adapters.dynamodb.applications as module

    module.SCAN_PAGE, page = 3, module.SCAN_PAGE  # small pages, and one page of time
    try:
        removed, cursor = sweeper.sweep(sweep, None, lambda: False)
        assert cursor is not None and removed <= 3
        while cursor is not None:
            more, cursor = sweeper.sweep(sweep, cursor, lambda: True)
            removed += more
    finally:
        module.SCAN_PAGE = page
    left = dynamodb.scan(TableName=consent.table)["Items"]
    assert removed == 14  # each decision is a current item and a history item
    assert {i["pk"]["S"].split("#")[0] for i in left} == {KEPT}
    plan = {s.name: s for s in removal_plan(GONE, {"suppression": suppression.table}, {})}
    sweeper.sweep(plan["suppression"], None, lambda: True)
    kept = {i["pk"]["S"] for i in dynamodb.scan(TableName=suppression.table)["Items"]}
    assert any(k.startswith(f"{GONE}#ERASED#") for k in kept), "an erased person stays suppressed"
