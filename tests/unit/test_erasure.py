"""Erasure (engage.erasure): the hash first, the endpoint last; counts reported."""

from engage.erasure import erase

from tests.support.fakes import MemoryEndpoints


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args))
            return {"erase": 2, "remove": 1, "delete_prefix": 3}.get(name)

        return record


def test_each_endpoint_is_hashed_then_cleared_then_deleted_in_that_order():
    endpoints = MemoryEndpoints(
        [{"ApplicationId": "a", "Id": "e1", "ChannelType": "EMAIL", "Address": "x@example.org"}]
    )
    log = Recorder()

    class Contacts:
        def delete(self, app_id, endpoint_id):
            log.calls.append(("delete", (app_id, endpoint_id)))
            return endpoints.delete(app_id, endpoint_id)

    report = erase("a", [endpoints.get("a", "e1")], Contacts(), log, log, log, "2026-11-25T00:00:00.000Z")
    assert [name for name, _ in log.calls] == [
        "suppress_erased",
        "remove",
        "erase",
        "delete_prefix",
        "delete",
    ]
    assert log.calls[3][1] == ("archive/e1/",)
    assert report.to_dict() == {
        "ErasedEndpoints": ["e1"],
        "ArchivedMessagesDeleted": 3,
        "ConsentRecordsDeleted": 2,
        "SuppressionsHashed": 1,
        "SuppressionsInClearRemoved": 1,
    }
    assert endpoints.by_id == {}
