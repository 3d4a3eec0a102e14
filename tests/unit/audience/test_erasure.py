"""Erasure (engage.audience.erasure): each address hashed first, then cleared, each endpoint deleted last."""

from engage.audience.erasure import erase

from tests.support.fakes import MemoryEndpoints


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args))
            return {"erase": 2, "remove": 1, "delete_prefix": 3}.get(name)

        return record


def test_each_address_is_hashed_then_cleared_and_each_endpoint_deleted_last():
    endpoints = MemoryEndpoints(
        [{"ApplicationId": "a", "Id": "e1", "ChannelType": "EMAIL", "Address": "x@example.org"}]
    )
    log = Recorder()

    class Contacts:
        def delete(self, app_id, endpoint_id):
            log.calls.append(("delete", (app_id, endpoint_id)))
            return endpoints.delete(app_id, endpoint_id)

    report = erase(
        "a",
        [endpoints.get("a", "e1")],
        Contacts(),
        log,
        log,
        log,
        "2026-11-25T00:00:00.000Z",
        lambda channel, address: "address-0123",
        [("EMAIL", "X@Example.org"), ("SMS", "+12065550100")],  # the first is the endpoint's, spelt otherwise
    )
    names = [name for name, _ in log.calls]
    assert names == ["suppress_erased", "remove", "erase", "delete_prefix"] * 2 + ["delete_prefix", "delete"]
    prefixes = [args for name, args in log.calls if name == "delete_prefix"]
    assert prefixes == [("archive/a/address-0123/",), ("archive/a/address-0123/",), ("archive/a/e1/",)]
    assert report.to_dict() == {
        "ErasedEndpoints": ["e1"],
        "ArchivedMessagesDeleted": 9,
        "ConsentRecordsDeleted": 4,
        "SuppressionsHashed": 2,
        "SuppressionsInClearRemoved": 2,
    }
    assert endpoints.by_id == {}
