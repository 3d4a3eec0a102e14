"""The pixel's handler (functions/pixel/pixel) fed its sample events (events/pixel/pixel/), with an in-memory
queue and keys put in at the wiring's accessor: every answer is the GIF, what is recorded, dropped
or refused is counted, and only a queue that refuses the hit makes it a 503; and the wiring itself:
its settings from the environment and its collaborators on a fake client factory."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from engage.errors import ValidationError
from engage.pixel import wiring
from engage.pixel.hits import PixelHits
from engage.pixel.model import GIF, PixelRules, mint_token
from engage.pixel.wiring import PixelSettings

from tests.support.thin_handlers import Context, function_module, metric_values
from tests.support.thin_handlers import sample as filled

NOW = 1_795_000_000.0
KEYS = [b"current-key", b"previous-key"]
SHOP = "https://shop.example.com"
RULES = PixelRules("shop", frozenset({"plan"}), frozenset({SHOP}))
# Named by their path under events/, as every sample is (tests/unit/test_samples.py looks for it).
SAMPLE_FILES = {
    "good": "pixel/pixel/good.json",
    "anonymous": "pixel/pixel/anonymous.json",
    "signed": "pixel/pixel/signed.json",
    "forged": "pixel/pixel/forged.json",
    "expired": "pixel/pixel/expired.json",
    "malformed": "pixel/pixel/malformed.json",
    "foreign_site": "pixel/pixel/foreign_site.json",
}
SAMPLES = list(SAMPLE_FILES)


class Queue:
    def __init__(self, refuse: bool = False) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.refuse = refuse

    def put(self, body: str) -> None:
        if self.refuse:
            raise RuntimeError("AWS.SimpleQueueService.NonExistentQueue")
        self.bodies.append(json.loads(body))


class Keys:
    """The pixel secret's keys, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> list[bytes]:
        self.reads += 1
        return KEYS


@pytest.fixture
def pixel(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The handler, its use case on an in-memory queue and keys put in at the wiring's accessor."""
    queue, keys = Queue(), Keys()
    monkeypatch.setattr(wiring, "pixel", lambda: PixelHits(RULES, keys, queue, lambda: NOW))
    module = function_module("pixel")
    module.queue, module.keys = queue, keys
    return module


def sample(name: str) -> dict[str, Any]:
    return filled(
        SAMPLE_FILES[name],
        SHOP_ORIGIN=SHOP,
        ENDPOINT_ID="shopper-1",
        EXPIRED_TOKEN=mint_token(KEYS, "shop", "shopper-1", 60, NOW - 3600),
        TOKEN=mint_token(KEYS, "shop", "shopper-1", 600, NOW),
    )


def is_gif(answer: dict[str, Any]) -> bool:
    return (
        answer["isBase64Encoded"] is True
        and base64.b64decode(answer["body"]) == GIF
        and answer["headers"]["Content-Type"] == "image/gif"
        and answer["headers"]["Cache-Control"].startswith("no-store")
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_is_answered_with_the_gif(pixel, name):
    answer = pixel.handler(sample(name), Context())
    assert answer["statusCode"] == 200 and is_gif(answer)
    assert "Access-Control-Allow-Origin" not in answer["headers"], "the samples send a Referer, no Origin"


def test_the_samples_record_five_hits_and_only_the_signed_one_sets_user_attributes(pixel, capfd):
    for name in SAMPLES:
        pixel.handler(sample(name), Context())
    bodies = {body["EventId"]: body for body in pixel.queue.bodies}
    assert sorted(bodies) == [
        f"pixel-sample-{n}" for n in ("anonymous", "expired", "forged", "good", "signed")
    ]
    good = bodies["pixel-sample-good"]
    assert (good["ApplicationId"], good["EndpointId"], good["EventType"]) == (
        "shop",
        "shopper-1",
        "purchase_success",
    )
    assert good["Attributes"] == {"order_id": "o-1001", "currency": "EUR", "pixel_signed": "false"}
    assert good["Timestamp"] == "2026-11-18T11:06:40.000Z"
    assert bodies["pixel-sample-signed"]["UserAttributes"] == {"plan": ["gold"]}
    assert bodies["pixel-sample-signed"]["Attributes"]["pixel_signed"] == "true"
    for dropped in ("forged", "expired"):
        assert bodies[f"pixel-sample-{dropped}"]["UserAttributes"] == {}
    assert metric_values(capfd.readouterr().out) == {
        "PixelHits": 5,
        "PixelDropped_user_attributes_bad_token": 2,
        "PixelRefused_missing_event": 1,
        "PixelRefused_origin_not_allowed": 1,
    }


def test_the_keys_are_read_only_for_requests_with_user_attributes(pixel):
    for name in ("good", "anonymous", "malformed", "foreign_site"):
        pixel.handler(sample(name), Context())
    assert pixel.keys.reads == 0
    pixel.handler(sample("signed"), Context())
    assert pixel.keys.reads == 1


def test_a_refused_hit_is_logged_by_reason_without_the_visitors_data(pixel, caplog):
    pixel.handler(sample("foreign_site"), Context())
    (refused,) = [r for r in caplog.records if r.getMessage() == "pixel hit refused"]
    assert refused.reason == "origin_not_allowed"
    assert "shopper-1" not in caplog.text and "evil.example.net" not in caplog.text


def test_a_queue_that_refuses_the_hit_answers_503_still_with_the_gif(monkeypatch, pixel, capfd):
    pixel.queue.refuse = True
    answer = pixel.handler(sample("good"), Context())
    assert answer["statusCode"] == 503 and is_gif(answer)
    assert metric_values(capfd.readouterr().out) == {"PixelQueueFailures": 1}


def test_an_allowed_origin_is_answered_for_cors_and_the_lambda_request_id_stands_in(pixel):
    event = sample("good")
    event["headers"]["Origin"] = SHOP
    event["requestContext"].pop("requestId")
    answer = pixel.handler(event, Context())
    assert answer["headers"]["Access-Control-Allow-Origin"] == SHOP and answer["headers"]["Vary"] == "Origin"
    assert pixel.queue.bodies[-1]["EventId"] == "req-1"


# --- the wiring -------------------------------------------------------------------------------------
class Sqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def send_message(self, **request: str) -> dict[str, str]:
        self.sent.append(request)
        return {"MessageId": "m-1"}


class Clients:
    def __init__(self) -> None:
        self.sqs, self.asked = Sqs(), []

    def client(self, service: str, **_: Any) -> Any:
        self.asked.append(service)
        return self.sqs if service == "sqs" else f"{service}-client"


def test_the_settings_are_read_from_the_pixels_variables_with_their_defaults():
    assert PixelSettings.from_env({"PIXEL_APPLICATION_ID": "shop"}) == PixelSettings("shop")
    assert PixelSettings("shop").rules == PixelRules("shop", frozenset(), frozenset(), 40)
    settings = PixelSettings.from_env(
        {
            "PIXEL_APPLICATION_ID": "shop",
            "PIXEL_QUEUE_URL": "https://sqs/pixel",
            "PIXEL_SECRET_ARN": "arn:secret",
            "PIXEL_USER_ATTRIBUTES": "plan, favourite_colour,,",
            "PIXEL_ALLOWED_ORIGINS": "https://Shop.Example.com/,https://www.example.com",
            "PIXEL_MAX_PARAMETERS": "12",
        }
    )
    assert settings.rules == PixelRules(
        "shop",
        frozenset({"plan", "favourite_colour"}),
        frozenset({"https://shop.example.com", "https://www.example.com"}),
        12,
    )
    assert (settings.queue_url, settings.secret_arn) == ("https://sqs/pixel", "arn:secret")
    for field, variable in [
        ("application_id", "PIXEL_APPLICATION_ID"),
        ("queue_url", "PIXEL_QUEUE_URL"),
        ("secret_arn", "PIXEL_SECRET_ARN"),
    ]:
        with pytest.raises(ValidationError, match=variable):
            PixelSettings.from_env({}).require(field)
    with pytest.raises(ValidationError, match="PIXEL_APPLICATION_ID"):
        assert PixelSettings.from_env({}).rules


def test_the_accessor_queues_hits_on_the_client_factorys_sqs(monkeypatch):
    clients = Clients()
    monkeypatch.setattr(wiring, "clients", clients)
    monkeypatch.setattr(wiring, "settings", lambda: PixelSettings("shop", "https://sqs/pixel", "arn:secret"))
    hits = wiring.pixel.__wrapped__()
    answer = hits.record({"event": ["view"], "endpoint_id": ["ep-1"]}, {}, "req-9")
    assert (answer.status, answer.origin) == (200, None)
    (sent,) = clients.sqs.sent
    assert sent["QueueUrl"] == "https://sqs/pixel" and json.loads(sent["MessageBody"])["EventId"] == "req-9"
    assert clients.asked == ["sqs"], "the secret is not read for an anonymous hit"
