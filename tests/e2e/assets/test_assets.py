"""Asset hosting on the local stack, from the outside: assets put in the bucket are fetched through
the CloudFront distribution as a browser or mail client would, with its HTTPS, signed-URL and
security-header rules; the buckets' settings are read back through the S3 and CloudFront APIs."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from engage.adapters.cloudfront.signing import (
    UrlSigner,
    new_private_key_pem,
    public_key_pem,
    stored_private_key,
)

from engage_local.provisioners import cfn_answers
from engage_local.state import read_state
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.e2e.test_emulated_services import control

pytestmark = pytest.mark.e2e

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


@pytest.fixture(scope="module")
def assets(local_stack, state):
    outputs = local_stack.stacks["engage"].outputs
    secret_arn = state.physical_id("Assets/SigningKeySecret", "engage")
    key_id = state.physical_id("Assets/SigningPublicKey", "engage")
    secret = local_stack.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return {
        "bucket": outputs["AssetBucketName"],
        "logs": outputs["AccessLogsBucketName"],
        "domain": outputs["AssetDomainName"],
        "distribution": outputs["AssetDistributionId"],
        "secret": secret_arn,
        "key_id": key_id,
        "signer": UrlSigner(key_id, stored_private_key(secret)),
        "s3": local_stack.client("s3"),
    }


def put(assets, key: str, body: bytes, content_type: str) -> str:
    assets["s3"].put_object(Bucket=assets["bucket"], Key=key, Body=body, ContentType=content_type)
    return f"https://{assets['domain']}/{key}"


def test_an_email_image_is_served_over_https_with_the_security_headers(local_stack, assets):
    url = put(assets, f"images/{uuid.uuid4().hex}/logo.png", PNG, "image/png")
    status, headers, body = local_stack.cdn_get(url)
    assert (status, body, headers["Content-Type"]) == (200, PNG, "image/png")
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Server" not in headers
    plain, _, _ = local_stack.cdn_get(url.replace("https://", "http://"))
    assert plain == 403, "the distribution answers HTTPS only"
    missing, _, _ = local_stack.cdn_get(f"https://{assets['domain']}/images/none.png")
    assert missing == 403


def test_private_assets_need_a_valid_unexpired_signature(local_stack, assets):
    url = put(assets, f"private/{uuid.uuid4().hex}/report.csv", b"a,b\n1,2\n", "text/csv")
    assert local_stack.cdn_get(url)[0] == 403
    now = datetime.fromisoformat(control(local_stack, "clock")["now"].replace("Z", "+00:00"))
    signed = assets["signer"].sign(url, now + timedelta(minutes=5))
    status, _, body = local_stack.cdn_get(signed)
    assert (status, body) == (200, b"a,b\n1,2\n")
    forged = signed.replace("report.csv", "other.csv")  # another object under the same signature
    assert local_stack.cdn_get(forged)[0] == 403
    stranger = UrlSigner(assets["key_id"], new_private_key_pem()).sign(url, now + timedelta(minutes=5))
    assert local_stack.cdn_get(stranger)[0] == 403, "a key outside the trusted key group signs nothing"
    expired = assets["signer"].sign(url, now - timedelta(seconds=1))
    assert local_stack.cdn_get(expired)[0] == 403


def test_the_buckets_are_private_versioned_encrypted_and_logged_without_acls(local_stack, assets):
    s3 = assets["s3"]
    bucket, logs = assets["bucket"], assets["logs"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    for name in (bucket, logs):
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values()), name
        ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}], name
        rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert (logging["TargetBucket"], logging["TargetPrefix"]) == (logs, "s3/")
    grants = json.loads(s3.get_bucket_policy(Bucket=logs)["Policy"])["Statement"]
    writers = {s["Principal"].get("Service") for s in grants if s["Effect"] == "Allow"}
    assert writers == {"logging.s3.amazonaws.com", "delivery.logs.amazonaws.com"}
    readers = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    (reader,) = [s for s in readers if s["Effect"] == "Allow"]
    assert reader["Condition"]["StringEquals"]["AWS:SourceArn"].endswith(
        f":distribution/{assets['distribution']}"
    )
    key = f"images/{uuid.uuid4().hex}.png"
    put(assets, key, PNG, "image/png")
    put(assets, key, PNG + b"v2", "image/png")
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert len(versions) == 2, "a replaced asset keeps its older version"
    deliveries = local_stack.client("logs").describe_deliveries()["deliveries"]
    assert any(d["deliveryDestinationArn"].endswith("-assets-cdn") for d in deliveries)


def test_the_distribution_caches_by_the_default_ttl_and_trusts_only_its_key_group(local_stack, assets):
    cloudfront = local_stack.client("cloudfront")
    config = cloudfront.get_distribution_config(Id=assets["distribution"])["DistributionConfig"]
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "https-only"
    policy = cloudfront.get_cache_policy(Id=default["CachePolicyId"])["CachePolicy"]["CachePolicyConfig"]
    assert policy["DefaultTTL"] == 3600
    (private,) = config["CacheBehaviors"]["Items"]
    assert private["PathPattern"] == "private/*" and private["TrustedKeyGroups"]["Enabled"]
    origin = config["Origins"]["Items"][0]
    assert origin["OriginAccessControlId"] and origin["S3OriginConfig"]["OriginAccessIdentity"] == ""


def test_the_signing_key_sample_answers_the_stacks_public_key_and_a_new_secret_gets_a_new_key(
    local_stack, assets
):
    """events/assets/signing_key/: the custom resource's Create, as `sam local invoke` runs it."""
    secrets = local_stack.client("secretsmanager")
    fresh = secrets.create_secret(Name=f"signing-{uuid.uuid4().hex[:6]}", SecretString="{}")["ARN"]
    # The function's role reaches only the stack's secret: another one must let it in, as on AWS.
    name = read_state(local_stack.state_dir).physical_id("Assets/SigningKeyFunction", "engage")
    role = local_stack.client("lambda").get_function(FunctionName=name)["Configuration"]["Role"]
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": role},
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
        "Resource": "*",
    }
    secrets.put_resource_policy(
        SecretId=fresh, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [grant]})
    )
    kept = local_stack.client("cloudfront").get_public_key(Id=assets["key_id"])["PublicKey"]
    with cfn_answers() as (response_url, answers):
        for secret in (assets["secret"], fresh):
            event = _sample("assets/signing_key/create.json", RESPONSE_URL=response_url, SECRET_ARN=secret)
            invoke(local_stack, "Assets/SigningKeyFunction", event, "engage")
        broken = _sample(
            "assets/signing_key/create.json", RESPONSE_URL=response_url, SECRET_ARN="no-such-secret"
        )
        invoke(local_stack, "Assets/SigningKeyFunction", broken, "engage")
    assert [a["Status"] for a in answers] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert answers[0]["Data"]["PublicKeyPem"] == kept["PublicKeyConfig"]["EncodedKey"], "the key is made once"
    made = stored_private_key(secrets.get_secret_value(SecretId=fresh)["SecretString"])
    assert answers[1]["Data"]["PublicKeyPem"] == public_key_pem(made) != answers[0]["Data"]["PublicKeyPem"]
    assert "AccessDeniedException" in answers[2]["Reason"], "a secret the role may not read, as on AWS"
