"""The GTM pixel on the local stack, from the outside: GET /events on the local API (as `sam local
start-api` serves it), the GIF read back, the event found on the event stream, the endpoint's user
attributes read from the contact store. Bad input always gets the GIF; forged, expired or unsigned
attribute updates never change the store."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
import requests
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.contacts import ContactStore
from engage.errors import NotFoundError

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import PIXEL_APP, SHOP_ORIGIN, invoke
from tests.support.cli import engage
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e
FROM_SHOP = {"Referer": f"{SHOP_ORIGIN}/checkout/done", "Accept": "image/avif,image/webp,image/*,*/*;q=0.8"}


class Pixel:
    def __init__(self, local_stack) -> None:
        self.stack = local_stack
        self.outputs = local_stack.stacks["engage"].outputs
        self.url = f"{local_stack.api.url}/events"
        self.contacts = ContactStore(
            DynamoEndpointRepository(self.outputs["ContactsTableName"], local_stack.client("dynamodb"))
        )

    def get(self, headers=FROM_SHOP, **query) -> requests.Response:
        return requests.get(self.url, params=query, headers=headers, timeout=30)

    def token(self, endpoint: str, ttl: int = 600) -> str:
        done = engage(
            "pixel",
            "token",
            "--endpoint",
            endpoint,
            "--ttl",
            str(ttl),
            "--json",
            state_dir=self.stack.state_dir,
        )
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        assert (document["ApplicationId"], document["EndpointId"]) == (PIXEL_APP, endpoint)
        return document["Token"]

    def events(self, endpoint: str) -> list[dict]:
        return [
            r
            for r in stream_records(self.stack.client("kinesis"), self.outputs["EventStreamName"])
            if r["application"]["app_id"] == PIXEL_APP and r["client"]["client_id"] == endpoint
        ]

    def shopper(self) -> str:
        """A new endpoint of the pixel's application (user attributes change endpoints that exist)."""
        endpoint = f"shopper-{uuid.uuid4().hex[:8]}"
        self.contacts.upsert(
            PIXEL_APP, endpoint, {"ChannelType": "EMAIL", "Address": f"{endpoint}@example.com"}
        )
        return endpoint

    def user_attributes(self, endpoint: str) -> dict:
        try:
            return dict(self.contacts.get(PIXEL_APP, endpoint).get("User", {}).get("UserAttributes") or {})
        except NotFoundError:
            return {}


@pytest.fixture
def pixel(local_stack):
    return Pixel(local_stack)


def is_gif(response: requests.Response) -> bool:
    return (
        response.status_code == 200
        and response.headers["Content-Type"] == "image/gif"
        and response.content.startswith(b"GIF89a")
        and "no-store" in response.headers["Cache-Control"]
    )


def test_a_hit_answers_a_gif_and_its_event_reaches_the_stream(pixel):
    shopper = f"shopper-{uuid.uuid4().hex[:8]}"
    answer = pixel.get(event="purchase_success", endpoint_id=shopper, evat_order_id="o-1", gtmcb="1")
    assert is_gif(answer), answer.headers
    assert wait_until(lambda: pixel.events(shopper), 30, 0.3)
    (event,) = pixel.events(shopper)
    assert (event["event_type"], event["attributes"]) == (
        "purchase_success",
        {"order_id": "o-1", "pixel_signed": "false"},
    )


def test_signed_user_attributes_are_set_and_unsigned_forged_or_expired_ones_never(pixel):
    shopper = pixel.shopper()
    token = pixel.token(shopper)
    assert is_gif(
        pixel.get(event="login", endpoint_id=shopper, usat_plan="gold", usat_role="admin", token=token)
    )
    assert wait_until(lambda: pixel.user_attributes(shopper) == {"plan": ["gold"]}, 30, 0.3), (
        "the allowed attribute is set, the other is not"
    )
    expired = pixel.token(shopper, ttl=1)
    forged = token[: token.index(".") + 1] + base64.urlsafe_b64encode(b"x" * 32).decode().rstrip("=")
    other = pixel.token(f"{shopper}-other")
    for bad in ({}, {"token": forged}, {"token": other}, {"token": "garbage"}):
        assert is_gif(pixel.get(event="login", endpoint_id=shopper, usat_plan="platinum", **bad))
    time.sleep(1.5)  # the one-second token expires (the pixel reads the real clock)
    assert is_gif(pixel.get(event="login", endpoint_id=shopper, usat_plan="platinum", token=expired))
    assert wait_until(lambda: len(pixel.events(shopper)) == 6, 30, 0.3), len(pixel.events(shopper))
    assert pixel.user_attributes(shopper) == {"plan": ["gold"]}, "no bad token changed the store"


@pytest.mark.parametrize(
    "query",
    [
        {"endpoint_id": "e"},
        {"event": "_email.open", "endpoint_id": "e"},
        {"event": "x", "endpoint_id": "e", "timestamp": "not a time"},
        {"event": "x", "endpoint_id": "e", **{f"evat_{n}": "v" for n in range(45)}},
        {"event": "x", "endpoint_id": "e", "evat_long": "v" * 500},
    ],
    ids=["no event", "a system event", "bad timestamp", "too many parameters", "too long"],
)
def test_bad_input_gets_the_gif_and_records_nothing(pixel, query):
    answer = pixel.get(**query)
    assert is_gif(answer)


def test_hits_from_other_sites_get_the_gif_and_record_nothing(pixel):
    shopper = f"shopper-{uuid.uuid4().hex[:8]}"
    assert is_gif(pixel.get({"Referer": "https://evil.example.net/"}, event="x", endpoint_id=shopper))
    assert is_gif(pixel.get({}, event="x", endpoint_id=shopper))
    assert is_gif(pixel.get(event="x", endpoint_id=shopper))
    assert wait_until(lambda: pixel.events(shopper), 30, 0.3)
    assert len(pixel.events(shopper)) == 1, "only the shop's own hit is recorded"


def test_the_samples_answer_gifs_and_the_queue_sample_ingests_one_refuses_one_and_fails_one(pixel):
    """events/pixel/pixel/ through the deployed function (what `sam local invoke -e` runs), and
    events/pixel/pixel_events/batch.json through the consumer."""
    shopper = pixel.shopper()
    placeholders = {
        "SHOP_ORIGIN": SHOP_ORIGIN,
        "ENDPOINT_ID": shopper,
        "APP_ID": PIXEL_APP,
        "EXPIRED_TOKEN": pixel.token(shopper, ttl=1),
        "TOKEN": pixel.token(shopper),
    }
    time.sleep(1.5)
    samples = [
        "pixel/pixel/good.json",
        "pixel/pixel/anonymous.json",
        "pixel/pixel/signed.json",
        "pixel/pixel/forged.json",
    ]
    samples += ["pixel/pixel/expired.json", "pixel/pixel/malformed.json", "pixel/pixel/foreign_site.json"]
    for name in samples:
        answer = invoke(pixel.stack, "Pixel/PixelFunction", _sample(name, **placeholders), "engage")
        payload = answer["payload"]
        assert answer["error"] is None and payload["statusCode"] == 200, (name, payload)
        assert payload["isBase64Encoded"] and base64.b64decode(payload["body"]).startswith(b"GIF89a")
    # good, anonymous, signed, forged and expired record their events; malformed and foreign do not
    assert wait_until(lambda: len(pixel.events(shopper)) == 5, 30, 0.3), len(pixel.events(shopper))
    assert pixel.user_attributes(shopper) == {"plan": ["gold"]}, "only the signed sample's plan"
    batch = _sample("pixel/pixel_events/batch.json", **placeholders, TIMESTAMP="2026-11-26T09:00:00.000Z")
    consumed = invoke(pixel.stack, "Pixel/PixelEventsFunction", batch, "engage")
    assert consumed["payload"] == {"batchItemFailures": [{"itemIdentifier": "pixel-msg-3"}]}
    assert wait_until(lambda: len(pixel.events(shopper)) == 6, 30, 0.3)


def test_a_pixel_event_starts_an_event_triggered_campaign_once(local_stack, pinpoint, pixel):
    """The hit's event reaches the stream under the request's id, so an EVENT campaign sends once."""
    from tests.support.campaigns import Campaigning

    c = Campaigning(local_stack, pinpoint)
    c.app = PIXEL_APP  # the pixel records into its one application
    buyer = f"buyer-{uuid.uuid4().hex[:8]}"
    c.people([buyer], Attributes={"Plan": [buyer]})
    checkout = f"checkout_{uuid.uuid4().hex[:8]}"
    campaign = c.event_campaign(checkout, "Thanks for your order", segment_value=buyer)
    assert is_gif(pixel.get(event=checkout, endpoint_id=buyer, evat_order_id="o-9"))
    (text,) = c.all_texts(campaign["Id"], 1, timeout=60)
    assert text["request"]["DestinationPhoneNumber"] == c.number(buyer)
    assert text["request"]["MessageBody"] == "Thanks for your order"
