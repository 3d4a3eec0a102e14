"""The extensibility hooks' adapters on moto and a local HTTP server: offers read in batches of a
hundred, content from S3 and over HTTP with its size limit, timeout and errors."""

from __future__ import annotations

import time

import pytest
from engage.adapters.dynamodb.offers import DynamoOffers
from engage.adapters.http.content import ContentFetch
from engage.extensions.content import ContentUnavailableError

from devtools.bench import count_requests
from devtools.template import create_table
from tests.support.http import QuietHandler, serving


def test_offers_are_read_a_hundred_at_a_time(dynamodb):
    table = create_table(dynamodb, "OffersTable", app="extensions")
    for n in range(0, 150, 2):
        dynamodb.put_item(
            TableName=table,
            Item={"ApplicationId": {"S": "shop"}, "EndpointId": {"S": f"e-{n}"}, "Offer": {"S": f"{n}% off"}},
        )
    counts: dict[str, int] = {}
    count_requests(dynamodb, counts)
    found = DynamoOffers(table, dynamodb).values("shop", [f"e-{n}" for n in range(150)])
    assert len(found) == 75 and found["e-42"] == "42% off" and "e-43" not in found
    assert counts == {"BatchGetItem": 2}
    assert DynamoOffers(table, dynamodb).values("other-app", ["e-42"]) == {}


def test_content_from_s3_within_its_size(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="content")
    s3.put_object(Bucket="content", Key="c/ok.json", Body=b"x" * 100)
    s3.put_object(Bucket="content", Key="c/big.json", Body=b"x" * 2000)
    fetch = ContentFetch(s3)
    assert fetch.fetch("s3://content/c/ok.json", 1000, 1) == b"x" * 100
    for location, reason in (
        ("s3://content/c/big.json", "larger than 1000"),
        ("s3://content/c/no.json", "NoSuchKey"),
    ):
        with pytest.raises(ContentUnavailableError, match=reason):
            fetch.fetch(location, 1000, 1)
    with pytest.raises(ContentUnavailableError, match="s3:// or https://"):
        fetch.fetch("http://content.example.com/c.json", 1000, 1)


class _Content(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect.json":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/drip.json":  # every byte within the socket timeout, the whole far past it
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"z")
                self.wfile.flush()
                time.sleep(0.1)
            return
        if self.path == "/slow.json":
            time.sleep(2)
        status = 500 if self.path == "/broken.json" else 200
        self.reply(status, b"y" * (5000 if self.path == "/big.json" else 10))


@pytest.fixture(scope="module")
def content_server():
    with serving(_Content) as url:
        yield url


def test_content_over_http_with_its_timeout_size_and_errors(content_server):
    fetch = ContentFetch(None, allow_local_http=True)
    assert fetch.fetch(f"{content_server}/ok.json", 1000, 1) == b"y" * 10
    for path, reason in (
        ("/redirect.json", "answered 302 \\(redirects are not followed\\)"),
        ("/drip.json", "within 0.5 s"),
        ("/slow.json", "within 0.5 s"),
        ("/big.json", "larger than 1000"),
        ("/broken.json", "answered 500"),
    ):
        with pytest.raises(ContentUnavailableError, match=reason):
            fetch.fetch(f"{content_server}{path}", 1000, 0.5)
    with pytest.raises(ContentUnavailableError, match="s3:// or https://"):
        ContentFetch(None).fetch(f"{content_server}/ok.json", 1000, 1)
