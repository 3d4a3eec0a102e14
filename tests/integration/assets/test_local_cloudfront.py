"""The local stack's CloudFront, driven as a deployment and a browser would: apps/assets/template.yaml
deployed as it stands (with its real signing-key function and the engage layer),
assets fetched through its distribution, and distributions created through the API for what the
template does not use (redirects, aliases, other bucket policies and headers policies)."""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from engage.adapters.cloudfront.signing import stored_private_key

from engage_local.emulators.edge import fetch
from engage_local.stack import ROOT, LocalStack

TEMPLATE = ROOT / "apps" / "assets" / "template.yaml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A local stack of its own, or the one already running in this process (moto's state is
    process-wide, so there is one at most)."""
    running = LocalStack._running
    local = running or LocalStack(state_dir=tmp_path_factory.mktemp("local-cloudfront")).start()
    try:
        yield local
    finally:
        if running is None:
            local.stop()


@dataclass
class Assets:
    outputs: dict[str, str]
    resources: dict[str, dict[str, str]]
    host: str
    bucket: str
    private_key: rsa.RSAPrivateKey

    def url(self, path: str, scheme: str = "https") -> str:
        return f"{scheme}://{self.host}/{path}"

    def signer(self, key: rsa.RSAPrivateKey | None = None, key_id: str | None = None) -> CloudFrontSigner:
        key = key or self.private_key
        return CloudFrontSigner(
            key_id or self.outputs["SigningKeyId"],
            lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()),
        )

    def signed(self, path: str, minutes: int = 5, **kwargs: Any) -> str:
        expires = datetime.now(UTC) + timedelta(minutes=minutes)
        return self.signer(**kwargs).generate_presigned_url(self.url(path), date_less_than=expires)


@pytest.fixture(scope="module")
def assets(stack, tmp_path_factory):
    """apps/assets/template.yaml deployed as stack `assets-local`, with a few objects in its bucket."""
    app = tmp_path_factory.mktemp("assets-app")
    (app / "apps" / "assets").mkdir(parents=True)
    shutil.copy(TEMPLATE, app / "apps" / "assets" / "template.yaml")  # its CodeUri: ../../functions/...
    shutil.copytree(
        ROOT / "functions" / "assets" / "signing_key",
        app / "functions" / "assets" / "signing_key",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as archive:
        for source in (ROOT / "layers" / "engage" / "engage").rglob("*.py"):
            archive.write(source, f"python/{source.relative_to(ROOT / 'layers' / 'engage')}")
    layer_arn = stack.client("lambda").publish_layer_version(
        LayerName="assets-test-layer", Content={"ZipFile": layer.getvalue()}
    )["LayerVersionArn"]
    key_arn = stack.client("kms").create_key(Description="assets test key")["KeyMetadata"]["Arn"]
    report = stack.deploy(
        app / "apps" / "assets" / "template.yaml",
        "assets-local",
        {"Stage": "test", "LayerArn": layer_arn, "KeyArn": key_arn, "AssetDefaultTtlSeconds": "600"},
    )
    outputs = report.outputs
    s3 = stack.client("s3")
    bucket = outputs["AssetBucketName"]
    s3.put_object(
        Bucket=bucket,
        Key="img/logo.png",
        Body=b"\x89PNG" * 512,
        ContentType="image/png",
        CacheControl="max-age=60",
    )
    s3.put_object(
        Bucket=bucket, Key="private/report.csv", Body=b"day,sent\n2026-11-26,42\n", ContentType="text/csv"
    )
    s3.put_object(Bucket=bucket, Key="private/other.csv", Body=b"other\n", ContentType="text/csv")
    pem = stored_private_key(
        stack.client("secretsmanager").get_secret_value(SecretId=outputs["SigningKeySecretArn"])[
            "SecretString"
        ]
    )
    return Assets(
        outputs,
        {r["logical_id"]: r for r in report.resources},
        outputs["AssetDomainName"],
        bucket,
        serialization.load_pem_private_key(pem.encode(), None),
    )


@pytest.fixture
def clock(stack):
    """The emulators' clock, put back after the test."""
    before = stack.emulated.clock.offset
    yield stack.emulated.clock
    stack.emulated.clock.offset = before


def error_of(body: bytes) -> tuple[str, str]:
    text = body.decode()
    return text.split("<Code>")[1].split("</Code>")[0], text.split("<Message>")[1].split("</Message>")[0]


# --- the template deploys -----------------------------------------------------------------------------
def test_the_assets_template_deploys_with_its_cloudfront_and_log_delivery_resources(stack, assets):
    types = {r["type"] for r in assets.resources.values()}
    assert {
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::CachePolicy",
        "AWS::CloudFront::ResponseHeadersPolicy",
        "AWS::CloudFront::PublicKey",
        "AWS::CloudFront::KeyGroup",
        "AWS::CloudFront::Distribution",
        "AWS::Logs::DeliverySource",
        "AWS::Logs::DeliveryDestination",
        "AWS::Logs::Delivery",
        "Custom::CloudFrontKeyPair",
    } <= types
    ids = {logical_id: r["physical_id"] for logical_id, r in assets.resources.items()}
    cloudfront = stack.client("cloudfront")
    distribution = cloudfront.get_distribution(Id=assets.outputs["AssetDistributionId"])["Distribution"]
    assert distribution["DomainName"] == assets.host
    kept = stack.emulated.cloudfront.distributions[distribution["Id"]]["DistributionConfig"]
    assert kept["Origins"]["Items"][0]["OriginAccessControlId"] == ids["AssetOriginAccessControl"]
    assert kept["Origins"]["Items"][0]["DomainName"].startswith(f"{assets.bucket}.s3.")
    private = kept["CacheBehaviors"]["Items"][0]
    assert private["PathPattern"] == "private/*"
    assert private["TrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": [ids["SigningKeyGroup"]]}
    for behavior in (kept["DefaultCacheBehavior"], private):
        assert behavior["ViewerProtocolPolicy"] == "https-only"
        assert behavior["CachePolicyId"] == ids["AssetCachePolicy"]
        assert behavior["ResponseHeadersPolicyId"] == ids["SecurityHeadersPolicy"]

    # The API answers with the configuration as deployed (moto's own model drops parts of it).
    answered = cloudfront.get_distribution_config(Id=distribution["Id"])["DistributionConfig"]
    origin = answered["Origins"]["Items"][0]
    assert origin["OriginAccessControlId"] == ids["AssetOriginAccessControl"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert answered["HttpVersion"] == "http2and3"
    assert answered["CacheBehaviors"]["Items"][0]["TrustedKeyGroups"]["Items"] == [ids["SigningKeyGroup"]]
    assert distribution["DistributionConfig"]["Origins"] == answered["Origins"]
    listed = cloudfront.list_distributions()["DistributionList"]["Items"]
    summary = next(d for d in listed if d["Id"] == distribution["Id"])
    assert summary["Origins"]["Items"][0]["OriginAccessControlId"] == ids["AssetOriginAccessControl"]

    cache = cloudfront.get_cache_policy(Id=ids["AssetCachePolicy"])["CachePolicy"]["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 600, 31536000)
    headers = cloudfront.get_response_headers_policy(Id=ids["SecurityHeadersPolicy"])["ResponseHeadersPolicy"]
    assert headers["ResponseHeadersPolicyConfig"]["RemoveHeadersConfig"] == {
        "Quantity": 1,
        "Items": [{"Header": "Server"}],
    }
    control = cloudfront.get_origin_access_control(Id=ids["AssetOriginAccessControl"])["OriginAccessControl"]
    assert control["OriginAccessControlConfig"]["SigningBehavior"] == "always"

    # The public key is the custom resource's Data.PublicKeyPem: the half of the secret's private key.
    public = cloudfront.get_public_key(Id=assets.outputs["SigningKeyId"])["PublicKey"]["PublicKeyConfig"]
    expected = assets.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public["EncodedKey"].strip() == expected.decode().strip()
    group = cloudfront.get_key_group(Id=ids["SigningKeyGroup"])["KeyGroup"]["KeyGroupConfig"]
    assert group["Items"] == [assets.outputs["SigningKeyId"]]

    logs = stack.client("logs")
    source = logs.get_delivery_source(name=ids["AccessLogSource"])["deliverySource"]
    assert source["resourceArns"] == [distribution["ARN"]]
    assert source["logType"] == "ACCESS_LOGS"
    destination = logs.get_delivery_destination(name=ids["AccessLogDestination"])["deliveryDestination"]
    assert destination["deliveryDestinationType"] == "S3"
    delivery = logs.get_delivery(id=ids["AccessLogDelivery"])["delivery"]
    assert delivery["deliverySourceName"] == ids["AccessLogSource"]
    assert delivery["deliveryDestinationArn"] == destination["arn"]


# --- public assets ------------------------------------------------------------------------------------
def test_a_public_asset_is_served_over_https_with_the_objects_and_the_security_headers(stack, assets):
    status, headers, body = stack.cdn_get(assets.url("img/logo.png"))
    assert status == 200
    assert body == b"\x89PNG" * 512
    head = stack.client("s3").head_object(Bucket=assets.bucket, Key="img/logo.png")
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Length"] == "2048"
    assert headers["ETag"] == head["ETag"]
    assert headers["Cache-Control"] == "max-age=60"
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-XSS-Protection"] == "1; mode=block"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Server" not in headers  # the policy's RemoveHeadersConfig takes S3's away
    assert headers["X-Cache"] == "Miss from cloudfront"
    assert headers["Via"].endswith(".cloudfront.net (CloudFront)")


def test_http_is_refused_where_the_behaviour_is_https_only(stack, assets):
    status, headers, body = stack.cdn_get(assets.url("img/logo.png", scheme="http"))
    assert status == 403
    assert headers["Server"] == "CloudFront"
    assert b"The request could not be satisfied" in body


def test_only_the_allowed_methods_are_answered(stack, assets):
    status, _, body = stack.cdn_get(assets.url("img/logo.png"), method="POST")
    assert status == 403
    assert b"not configured to allow the HTTP request method" in body
    status, headers, body = stack.cdn_get(assets.url("img/logo.png"), method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "2048", b"")


def test_a_byte_range_is_answered_from_the_object(stack, assets):
    status, headers, body = stack.cdn_get(assets.url("img/logo.png"), headers={"Range": "bytes=0-3"})
    assert (status, body) == (206, b"\x89PNG")
    assert headers["Content-Range"] == "bytes 0-3/2048"


def test_a_conditional_request_for_an_unchanged_asset_is_not_modified(stack, assets):
    etag = stack.cdn_get(assets.url("img/logo.png")).headers["ETag"]
    status, headers, body = stack.cdn_get(assets.url("img/logo.png"), headers={"If-None-Match": etag})
    assert (status, headers["ETag"], body) == (304, etag, b"")


def test_a_missing_asset_is_access_denied_as_s3_answers_cloudfront_without_list_rights(stack, assets):
    status, headers, body = stack.cdn_get(assets.url("img/missing.png"))
    assert status == 403
    assert error_of(body) == ("AccessDenied", "Access Denied")
    assert headers["Content-Type"] == "application/xml"
    assert headers["X-Content-Type-Options"] == "nosniff"  # the headers policy applies to errors too
    assert headers["X-Cache"] == "Error from cloudfront"


# --- private assets -----------------------------------------------------------------------------------
def test_a_private_asset_without_a_signature_is_refused(stack, assets):
    status, headers, body = stack.cdn_get(assets.url("private/report.csv"))
    assert status == 403
    assert headers["Content-Type"] == "text/xml"
    assert error_of(body) == ("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")


def test_a_canned_policy_signed_url_reads_the_private_asset(stack, assets):
    status, headers, body = stack.cdn_get(assets.signed("private/report.csv"))
    assert (status, body) == (200, b"day,sent\n2026-11-26,42\n")
    assert headers["Content-Type"] == "text/csv"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_custom_policy_signed_url_reads_what_its_wildcard_resource_covers(stack, assets):
    signer = assets.signer()
    policy = signer.build_policy(
        assets.url("private/*"), date_less_than=datetime.now(UTC) + timedelta(minutes=5)
    )
    for path, expected in (("private/report.csv", b"day,sent"), ("private/other.csv", b"other")):
        status, _, body = stack.cdn_get(signer.generate_presigned_url(assets.url(path), policy=policy))
        assert status == 200
        assert body.startswith(expected)


def test_signed_cookies_read_the_private_asset(stack, assets):
    signer = assets.signer()
    policy = signer.build_policy(
        assets.url("private/*"), date_less_than=datetime.now(UTC) + timedelta(minutes=5)
    )
    encoded = signer._url_b64encode(policy.encode()).decode()
    signature = signer._url_b64encode(signer.rsa_signer(policy.encode())).decode()
    cookies = (
        f"CloudFront-Policy={encoded}; CloudFront-Signature={signature}; "
        f"CloudFront-Key-Pair-Id={assets.outputs['SigningKeyId']}"
    )
    status, _, body = stack.cdn_get(assets.url("private/report.csv"), headers={"Cookie": cookies})
    assert (status, body[:8]) == (200, b"day,sent")


def test_a_signed_url_stops_working_when_it_expires_on_the_emulators_clock(stack, assets, clock):
    url = assets.signed("private/report.csv", minutes=5)
    assert stack.cdn_get(url).status == 200
    clock.advance(301)
    status, _, body = stack.cdn_get(url)
    assert status == 403
    assert error_of(body) == ("AccessDenied", "Access denied")


def test_a_forged_tampered_or_unknown_key_signature_is_refused(stack, assets):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    status, _, body = stack.cdn_get(assets.signed("private/report.csv", key=stranger))
    assert (status, error_of(body)) == (403, ("AccessDenied", "Access denied"))

    tampered = assets.signed("private/other.csv").replace("private/other.csv", "private/report.csv")
    status, _, body = stack.cdn_get(tampered)
    assert (status, error_of(body)) == (403, ("AccessDenied", "Access denied"))

    status, _, body = stack.cdn_get(assets.signed("private/report.csv", key_id="K3UNKNOWNKEYID"))
    assert (status, error_of(body)) == (403, ("InvalidKey", "Unknown Key"))


def test_the_signing_parameters_never_reach_the_origin(stack, assets):
    expires = datetime.now(UTC) + timedelta(minutes=5)
    url = assets.signer().generate_presigned_url(
        assets.url("private/report.csv?download=1"), date_less_than=expires
    )
    status, _, _ = stack.cdn_get(url)
    assert status == 200
    entry = stack.emulated.outbox.entries("cloudfront", "ViewerRequest")[-1]
    assert entry["request"]["pathPattern"] == "private/*"
    assert entry["response"] == {"status": 200, "origin": f"s3://{assets.bucket}/private/report.csv"}


# --- distributions created through the API ------------------------------------------------------------
def make_bucket(stack) -> str:
    bucket = f"cdn-{uuid.uuid4().hex[:12]}"
    s3 = stack.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>hi</h1>", ContentType="text/html")
    s3.put_object(
        Bucket=bucket, Key="app.js", Body=b"run()", ContentType="text/javascript", CacheControl="max-age=60"
    )
    return bucket


def grant(stack, bucket: str, distribution: dict[str, Any], list_bucket: bool = False) -> None:
    """The bucket policy CloudFront's console proposes: this distribution (by its ARN) reads objects."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": ["s3:GetObject", "s3:ListBucket"] if list_bucket else "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"],
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution["ARN"]}},
    }
    stack.client("s3").put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def make_distribution(
    stack, bucket: str, behaviors: list[dict[str, Any]] = (), aliases: list[str] = (), **default: Any
) -> dict[str, Any]:
    cloudfront = stack.client("cloudfront")
    control = cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": f"oac-{uuid.uuid4().hex[:8]}",
            "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always",
            "SigningProtocol": "sigv4",
        }
    )["OriginAccessControl"]["Id"]
    config: dict[str, Any] = {
        "CallerReference": str(uuid.uuid4()),
        "Comment": "",
        "Enabled": True,
        "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site",
                    "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                    "OriginAccessControlId": control,
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all", **default},
        "CacheBehaviors": {
            "Quantity": len(behaviors),
            "Items": [
                {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all", **b} for b in behaviors
            ],
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def test_the_origin_access_control_reads_only_what_the_bucket_policy_grants_this_distribution(stack):
    bucket = make_bucket(stack)
    first, second = make_distribution(stack, bucket), make_distribution(stack, bucket)
    grant(stack, bucket, first)
    assert stack.cdn_get(f"https://{first['DomainName']}/app.js").status == 200
    status, headers, body = stack.cdn_get(f"https://{second['DomainName']}/app.js")
    assert (status, error_of(body)) == (403, ("AccessDenied", "Access Denied"))
    assert headers["Server"] == "AmazonS3"  # no response headers policy here: S3's header stays


def test_with_list_rights_a_missing_object_is_not_found(stack):
    bucket = make_bucket(stack)
    distribution = make_distribution(stack, bucket)
    grant(stack, bucket, distribution, list_bucket=True)
    status, _, body = stack.cdn_get(f"https://{distribution['DomainName']}/nothing-here.js")
    assert (status, error_of(body)[0]) == (404, "NoSuchKey")
    status, _, body = stack.cdn_get(f"https://{distribution['DomainName']}/")  # the default root object
    assert (status, body) == (200, b"<h1>hi</h1>")


def test_redirect_to_https_answers_http_with_a_moved_permanently(stack):
    bucket = make_bucket(stack)
    distribution = make_distribution(
        stack, bucket, behaviors=[{"PathPattern": "*.js", "ViewerProtocolPolicy": "redirect-to-https"}]
    )
    grant(stack, bucket, distribution)
    host = distribution["DomainName"]
    status, headers, _ = stack.cdn_get(f"http://{host}/app.js?v=2")
    assert (status, headers["Location"]) == (301, f"https://{host}/app.js?v=2")
    assert stack.cdn_get(f"http://{host}/index.html").status == 200  # the default behaviour allows all


def test_a_custom_header_without_override_leaves_the_origins_own(stack):
    cloudfront = stack.client("cloudfront")
    policy = cloudfront.create_response_headers_policy(
        ResponseHeadersPolicyConfig={
            "Name": f"headers-{uuid.uuid4().hex[:8]}",
            "CustomHeadersConfig": {
                "Quantity": 2,
                "Items": [
                    {"Header": "Cache-Control", "Value": "no-store", "Override": False},
                    {"Header": "X-Served-By", "Value": "local-edge", "Override": True},
                ],
            },
        }
    )["ResponseHeadersPolicy"]["Id"]
    bucket = make_bucket(stack)
    distribution = make_distribution(stack, bucket, ResponseHeadersPolicyId=policy)
    grant(stack, bucket, distribution)
    host = distribution["DomainName"]
    _, with_own, _ = stack.cdn_get(f"https://{host}/app.js")
    _, without, _ = stack.cdn_get(f"https://{host}/index.html")
    assert with_own["Cache-Control"] == "max-age=60"
    assert without["Cache-Control"] == "no-store"
    assert with_own["X-Served-By"] == without["X-Served-By"] == "local-edge"


def test_an_alias_reaches_its_distribution_and_an_unknown_host_none(stack):
    bucket = make_bucket(stack)
    alias = f"assets-{uuid.uuid4().hex[:6]}.example.com"
    distribution = make_distribution(stack, bucket, aliases=[alias])
    grant(stack, bucket, distribution)
    assert stack.cdn_get(f"https://{alias}/app.js").body == b"run()"
    assert stack.cdn_get("https://nobody.cloudfront.net/app.js").status == 404


def test_the_control_port_route_serves_viewers_with_the_scheme_they_used(stack, assets):
    route = f"{stack.control.url}/cloudfront/{assets.host}/img/logo.png"
    assert requests.get(route, timeout=10).status_code == 200  # https unless said otherwise
    assert requests.get(route, headers={"X-Forwarded-Proto": "http"}, timeout=10).status_code == 403
    fetched = fetch(stack.control.url, assets.signed("private/report.csv"))
    assert fetched.status == 200


def test_cloudfront_policies_answer_in_the_apis_shape(stack):
    cloudfront = stack.client("cloudfront")
    name = f"policy-{uuid.uuid4().hex[:8]}"
    config = {
        "Name": name,
        "MinTTL": 0,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True,
            "CookiesConfig": {"CookieBehavior": "none"},
            "HeadersConfig": {"HeaderBehavior": "none"},
            "QueryStringsConfig": {
                "QueryStringBehavior": "whitelist",
                "QueryStrings": {"Quantity": 1, "Items": ["v"]},
            },
        },
    }
    created = cloudfront.create_cache_policy(CachePolicyConfig=config)
    policy_id = created["CachePolicy"]["Id"]
    assert created["Location"].endswith(f"/cache-policy/{policy_id}")
    assert cloudfront.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"] == config
    assert policy_id in {
        p["CachePolicy"]["Id"]
        for p in cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]
    }
    with pytest.raises(cloudfront.exceptions.CachePolicyAlreadyExists):
        cloudfront.create_cache_policy(CachePolicyConfig=config)
    bad = {**config, "Name": f"{name}-bad"}
    bad["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStrings"]["Quantity"] = 2
    with pytest.raises(cloudfront.exceptions.InconsistentQuantities):
        cloudfront.create_cache_policy(CachePolicyConfig=bad)
    with pytest.raises(cloudfront.exceptions.PreconditionFailed):
        cloudfront.delete_cache_policy(Id=policy_id, IfMatch="STALE")
    cloudfront.delete_cache_policy(Id=policy_id, IfMatch=created["ETag"])
    with pytest.raises(cloudfront.exceptions.NoSuchCachePolicy):
        cloudfront.get_cache_policy(Id=policy_id)


def test_each_viewer_request_is_in_the_outbox(stack, assets):
    stack.cdn_get(assets.url("img/logo.png"))
    answer = requests.post(
        f"{stack.control.url}/outbox",
        json={"service": "cloudfront", "operation": "ViewerRequest"},
        timeout=10,
    ).json()["entries"]
    assert answer[-1]["request"] == {
        "method": "GET",
        "url": assets.url("img/logo.png"),
        "distributionId": assets.outputs["AssetDistributionId"],
        "pathPattern": "Default (*)",
    }
    assert answer[-1]["response"] == {"status": 200, "origin": f"s3://{assets.bucket}/img/logo.png"}
