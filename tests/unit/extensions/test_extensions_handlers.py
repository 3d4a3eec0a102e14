"""The campaign extension hooks' handlers (functions/extensions/content_hook,
functions/extensions/send_time_hook) fed
their sample events (events/extensions/content_hook/, events/extensions/send_time_hook/), with in-memory
content and
offers put in at the wiring's accessor; and the wiring itself: its settings from the environment
and its collaborators on a fake client factory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from engage.errors import ValidationError
from engage.extensions import wiring
from engage.extensions.connect import ConnectChannel, ConnectDelivery, ConnectSettings
from engage.extensions.content import ContentHook, ContentRules, ContentUnavailableError, ExternalContent
from engage.extensions.send_time import MissingPolicy, SendTimeHook, SendTimeRules
from engage.extensions.wiring import ExtensionSettings

from tests.support.fakes import MemoryConsent, MemoryLedger, MemoryStream, MemorySuppressions
from tests.support.thin_handlers import Context, handler, metric_values, sample

APP = "shop"
SOURCE = "s3://content/campaigns/"
FALLBACK = "s3://content/fallback.json"
CONTENT = {"subject": "Spring offers", "html": "<p>Spring is here</p>"}


class Fetcher:
    """The content system in memory: a location's document, or an exception to raise."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents, self.calls = documents, []

    def fetch(self, location: str, max_bytes: int, timeout_seconds: float) -> bytes:
        self.calls.append(location)
        found = self.documents.get(location)
        if isinstance(found, Exception):
            raise found
        if found is None:
            raise ContentUnavailableError(f"{location}: NoSuchKey")
        return json.dumps(found).encode()


class Offers:
    def __init__(self, values: dict[str, str]) -> None:
        self.values_by_id, self.calls = values, []

    def values(self, app_id: str, endpoint_ids: list[str]) -> dict[str, str]:
        self.calls.append((app_id, list(endpoint_ids)))
        return {e: self.values_by_id[e] for e in endpoint_ids if e in self.values_by_id}


def content_hook(monkeypatch: pytest.MonkeyPatch, documents: dict[str, Any], fallback: str = "") -> Fetcher:
    fetcher = Fetcher(documents)
    hook = ContentHook(ExternalContent(fetcher, ContentRules(SOURCE, fallback)))
    monkeypatch.setattr(wiring, "content_hook", lambda: hook)
    return fetcher


# --- content hook -------------------------------------------------------------------------------------
def test_the_content_hook_adds_the_runs_content_to_every_endpoint_fetching_it_once(monkeypatch, capfd):
    fetcher = content_hook(monkeypatch, {f"{SOURCE}sample-campaign-without-content.json": CONTENT})
    hook, batch = handler("content_hook"), sample("extensions/content_hook/batch.json", APP_ID=APP)
    answer = hook(batch, Context())
    assert set(answer) == {"reader-1", "reader-2"}
    assert answer["reader-1"]["Attributes"] == {
        "Plan": ["gold"],
        "subject": ["Spring offers"],
        "html": ["<p>Spring is here</p>"],
    }
    assert answer["reader-2"]["Address"] == "reader-2@example.com"
    assert hook(batch, Context()) == answer and len(fetcher.calls) == 1, "once per run"
    assert "ContentFallbacks" not in metric_values(capfd.readouterr().out)


def test_the_fallback_stands_in_for_missing_content_and_is_counted(monkeypatch, capfd, caplog):
    fetcher = content_hook(monkeypatch, {FALLBACK: {"subject": "News", "html": "<p>News</p>"}}, FALLBACK)
    answer = handler("content_hook")(sample("extensions/content_hook/batch.json", APP_ID=APP), Context())
    assert {e["Attributes"]["subject"][0] for e in answer.values()} == {"News"}
    assert fetcher.calls == [f"{SOURCE}sample-campaign-without-content.json", FALLBACK]
    assert metric_values(capfd.readouterr().out)["ContentFallbacks"] == 1
    (warning,) = [r for r in caplog.records if r.getMessage() == "content fallback used"]
    assert warning.reason == f"{SOURCE}sample-campaign-without-content.json: NoSuchKey"


def test_without_content_or_a_fallback_the_hook_fails_for_the_campaigns_policy(monkeypatch):
    content_hook(monkeypatch, {})
    with pytest.raises(ContentUnavailableError, match="NoSuchKey"):
        handler("content_hook")(sample("extensions/content_hook/batch.json", APP_ID=APP), Context())


# --- send-time hook -----------------------------------------------------------------------------------
def test_the_send_time_hook_adds_offers_in_one_read_and_leaves_out_endpoints_without_one(monkeypatch, capfd):
    offers = Offers({"sample-1": "20% off"})
    monkeypatch.setattr(wiring, "send_time_hook", lambda: SendTimeHook(offers, SendTimeRules()))
    answer = handler("send_time_hook")(sample("extensions/send_time_hook/batch.json", APP_ID=APP), Context())
    assert list(answer) == ["sample-1"]
    assert answer["sample-1"]["Attributes"] == {"Plan": ["gold"], "Offer": ["20% off"]}
    assert answer["sample-1"]["User"] == {"UserId": "u-1"}
    assert offers.calls == [("shop", ["sample-1", "sample-2"])]
    assert metric_values(capfd.readouterr().out) == {"OffersAdded": 1, "OffersMissing": 1}


def test_a_default_policy_gives_every_endpoint_a_value(monkeypatch):
    rules = SendTimeRules("Deal", MissingPolicy.DEFAULT, "10% off")
    monkeypatch.setattr(wiring, "send_time_hook", lambda: SendTimeHook(Offers({}), rules))
    answer = handler("send_time_hook")(sample("extensions/send_time_hook/batch.json", APP_ID=APP), Context())
    assert {endpoint_id: e["Attributes"]["Deal"] for endpoint_id, e in answer.items()} == {
        "sample-1": ["10% off"],
        "sample-2": ["10% off"],
    }


# --- the wiring -------------------------------------------------------------------------------------
class Clients:
    """The client factory, handing out named stand-ins."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def client(self, service: str, **_: Any) -> str:
        self.asked.append(service)
        return f"{service}-client"


def test_the_settings_are_read_from_the_hooks_variables_with_their_defaults():
    assert ExtensionSettings.from_env({}) == ExtensionSettings()
    assert (ExtensionSettings().content_max_bytes, ExtensionSettings().content_timeout_seconds) == (
        65536,
        3.0,
    )
    settings = ExtensionSettings.from_env(
        {
            "CONTENT_SOURCE": SOURCE,
            "CONTENT_FALLBACK": FALLBACK,
            "CONTENT_MAX_BYTES": "1000",
            "CONTENT_TIMEOUT_SECONDS": "1.5",
            "ALLOW_LOCAL_HTTP": "True",
            "OFFERS_TABLE": "offers",
            "OFFER_ATTRIBUTE": "Deal",
            "OFFER_MISSING_POLICY": "DEFAULT",
            "OFFER_DEFAULT": "5% off",
        }
    )
    assert settings == ExtensionSettings(
        SOURCE, FALLBACK, 1000, 1.5, True, "offers", "Deal", "DEFAULT", "5% off"
    )


def test_the_accessors_build_the_hooks_on_the_client_factory(monkeypatch):
    clients = Clients()
    monkeypatch.setattr(wiring, "clients", clients)
    monkeypatch.setattr(
        wiring, "settings", lambda: ExtensionSettings(content_source=SOURCE, offers_table="t")
    )
    content = wiring.content_hook.__wrapped__()
    assert content.content.rules == ContentRules(SOURCE) and content.content.fetcher.s3 == "s3-client"
    assert content.content.fetcher.allow_local_http is False
    send_time = wiring.send_time_hook.__wrapped__()
    assert (send_time.source.table, send_time.source.client) == ("t", "dynamodb-client")
    assert send_time.rules == SendTimeRules()
    assert clients.asked == ["s3", "dynamodb"]


def test_a_hook_without_its_configuration_fails_clearly(monkeypatch):
    monkeypatch.setattr(wiring, "clients", Clients())
    monkeypatch.setattr(wiring, "settings", lambda: ExtensionSettings())
    with pytest.raises(ValidationError, match="CONTENT_SOURCE"):
        wiring.content_hook.__wrapped__()
    with pytest.raises(ValidationError, match="OFFERS_TABLE"):
        wiring.send_time_hook.__wrapped__()
    monkeypatch.setattr(
        wiring, "settings", lambda: ExtensionSettings(offers_table="t", offer_missing_policy="DEFAULT")
    )
    with pytest.raises(ValidationError, match="default"):
        wiring.send_time_hook.__wrapped__()


# --- connect_channel (A24) ---------------------------------------------------------------------------
class Calls:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def start_call(self, request):
        self.requests.append(dict(request))
        return f"contact-{len(self.requests)}"


def test_the_connect_sample_batch_calls_the_phone_endpoint_and_reports_every_outcome(monkeypatch):
    calls, stream = Calls(), MemoryStream()
    channel = ConnectChannel(
        ConnectSettings("inst-1", "flow-1"), calls, MemoryConsent(), MemorySuppressions(), MemoryLedger()
    )
    monkeypatch.setattr(wiring, "connect_delivery", lambda: ConnectDelivery(channel, stream))

    answer = handler("connect_channel")(
        sample("extensions/connect_channel/batch.json", APP_ID=APP), Context()
    )

    assert answer == {
        "sample-caller": {"DeliveryStatus": "SENT"},
        "sample-reader": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "NOT_A_PHONE_ENDPOINT"},
    }
    ((request,),) = [calls.requests]
    assert request["DestinationPhoneNumber"] == "+14255550171"
    assert request["Attributes"]["Message"] == "Your appointment is tomorrow at 10"
    kinds = sorted((e["event_type"], e["client"]["client_id"]) for e in stream.records)
    assert kinds == [("_connect.call_skipped", "sample-reader"), ("_connect.call_started", "sample-caller")]


def test_the_connect_settings_are_read_from_the_channels_variables():
    defaults = ExtensionSettings.from_env({})
    assert (defaults.connect_calls_per_second, defaults.sends_table) == (1.0, "")
    settings = ExtensionSettings.from_env(
        {
            "CONNECT_INSTANCE_ID": "inst",
            "CONNECT_CONTACT_FLOW_ID": "flow",
            "CONNECT_CALLS_PER_SECOND": "2.5",
            "SENDS_TABLE": "sends",
        }
    )
    assert (settings.connect_instance_id, settings.connect_contact_flow_id) == ("inst", "flow")
    assert (settings.connect_calls_per_second, settings.sends_table) == (2.5, "sends")
