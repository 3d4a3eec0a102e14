"""Pure parts of the local stack's CloudFront: cache-behaviour matching, signed URL and cookie
verification, bucket policies as S3 judges CloudFront's request, response headers policies, and
CloudFormation's CloudFront properties in the API's shape."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from engage_local.emulators.edge import (
    Refusal,
    apply_response_headers_policy,
    bucket_policy_allows,
    cache_behavior,
    canned_policy,
    cloudfront_b64decode,
    s3_bucket,
    signing_values,
    verify_signed,
    without_signing,
)
from engage_local.provisioners import DeployError, cloudfront_config

NOW = 1_800_000_000
HOST = "d111111abcdef8.cloudfront.net"
URL = f"https://{HOST}/private/report.csv"
KEY_ID = "K2JCJMDEHXQW5F"
DISTRIBUTION_ARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"


def _pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def keys():
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def signer(key: rsa.RSAPrivateKey, key_id: str = KEY_ID) -> CloudFrontSigner:
    return CloudFrontSigner(key_id, lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()))


def signed_values(url: str) -> tuple[str, dict[str, str]]:
    base, _, query = url.partition("?")
    return base, signing_values(query, None)


def check(values: dict[str, str], resource: str, pem: str, now: float = NOW, ip: str = "192.0.2.10") -> None:
    verify_signed(values, resource, lambda key_id: pem if key_id == KEY_ID else None, now, ip)


def refusal(values: dict[str, str], resource: str, pem: str, **kwargs) -> tuple[str, str]:
    with pytest.raises(Refusal) as raised:
        check(values, resource, pem, **kwargs)
    response = raised.value.response
    assert response.status == 403
    body = response.read().decode()
    return body.split("<Code>")[1].split("</Code>")[0], body.split("<Message>")[1].split("</Message>")[0]


# --- cache behaviours -----------------------------------------------------------------------------
CONFIG = {
    "DefaultCacheBehavior": {"TargetOriginId": "default"},
    "CacheBehaviors": {
        "Quantity": 4,
        "Items": [
            {"PathPattern": "private/*", "TargetOriginId": "private"},
            {"PathPattern": "/img/*.png", "TargetOriginId": "png"},
            {"PathPattern": "img/*", "TargetOriginId": "img"},
            {"PathPattern": "v?/app.js", "TargetOriginId": "versioned"},
        ],
    },
}


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        ("/private/report.csv", "private"),
        ("/private/", "private"),
        ("/img/logo.png", "png"),  # the first matching pattern wins over a later, wider one
        ("/img/logo.gif", "img"),
        ("/v1/app.js", "versioned"),
        ("/v10/app.js", "default"),  # ? is exactly one character
        ("/Private/report.csv", "default"),  # patterns are case sensitive
        ("/public/private/x", "default"),  # and anchored at the start of the path
        ("/", "default"),
    ],
)
def test_the_first_matching_path_pattern_chooses_the_behaviour_else_the_default(path, origin):
    assert cache_behavior(CONFIG, path)["TargetOriginId"] == origin


@pytest.mark.parametrize(
    ("domain", "bucket"),
    [
        ("assets-1.s3.us-east-1.amazonaws.com", "assets-1"),
        ("assets-1.s3.amazonaws.com", "assets-1"),
        ("my.dotted.bucket.s3.eu-west-1.amazonaws.com", "my.dotted.bucket"),
        ("assets-1.s3-website-us-east-1.amazonaws.com", None),  # a website endpoint is a custom origin
        ("example.com", None),
    ],
)
def test_an_s3_origin_names_its_bucket_in_its_domain(domain, bucket):
    assert s3_bucket(domain) == bucket


# --- signed URLs and cookies ----------------------------------------------------------------------
def test_a_canned_policy_url_signed_by_a_trusted_key_is_accepted_until_it_expires(keys):
    base, values = signed_values(signer(keys[0]).generate_presigned_url(URL, date_less_than=_at(NOW + 60)))
    check(values, base, _pem(keys[0]))
    check(values, base, _pem(keys[0]), now=NOW + 59)
    assert refusal(values, base, _pem(keys[0]), now=NOW + 60) == ("AccessDenied", "Access denied")


def test_a_custom_policy_grants_what_its_wildcard_resource_covers_in_its_window_and_ip_range(keys):
    policy = signer(keys[0]).build_policy(
        f"https://{HOST}/private/*",
        date_less_than=_at(NOW + 600),
        date_greater_than=_at(NOW - 60),
        ip_address="192.0.2.0/24",
    )
    url = signer(keys[0]).generate_presigned_url(URL, policy=policy)
    base, values = signed_values(url)
    assert set(values) == {"Policy", "Signature", "Key-Pair-Id"}
    check(values, base, _pem(keys[0]))
    check(values, f"https://{HOST}/private/other.pdf", _pem(keys[0]))
    assert refusal(values, f"https://{HOST}/public/x.png", _pem(keys[0]))[0] == "AccessDenied"
    assert refusal(values, base, _pem(keys[0]), now=NOW - 61)[0] == "AccessDenied"  # not yet valid
    assert refusal(values, base, _pem(keys[0]), now=NOW + 600)[0] == "AccessDenied"  # expired
    assert refusal(values, base, _pem(keys[0]), ip="198.51.100.7")[0] == "AccessDenied"


def test_a_forged_or_tampered_signature_is_refused(keys):
    base, forged = signed_values(signer(keys[1]).generate_presigned_url(URL, date_less_than=_at(NOW + 60)))
    assert refusal(forged, base, _pem(keys[0])) == ("AccessDenied", "Access denied")
    _, genuine = signed_values(signer(keys[0]).generate_presigned_url(URL, date_less_than=_at(NOW + 60)))
    # the same signature for another file, or with a later expiry, does not verify
    assert refusal(genuine, f"https://{HOST}/private/other.csv", _pem(keys[0]))[0] == "AccessDenied"
    assert refusal({**genuine, "Expires": str(NOW + 3600)}, base, _pem(keys[0]))[0] == "AccessDenied"
    assert refusal({**genuine, "Signature": "not*base64"}, base, _pem(keys[0])) == (
        "MalformedSignature",
        "Could not unencode Signature",
    )


def test_a_missing_or_unknown_key_pair_id_is_refused_as_cloudfront_refuses_it(keys):
    base, values = signed_values(signer(keys[0]).generate_presigned_url(URL, date_less_than=_at(NOW + 60)))
    assert refusal({}, base, _pem(keys[0])) == (
        "MissingKey",
        "Missing Key-Pair-Id query parameter or cookie value",
    )
    missing_id = {k: v for k, v in values.items() if k != "Key-Pair-Id"}
    assert refusal(missing_id, base, _pem(keys[0]))[0] == "MissingKey"
    assert refusal({**values, "Key-Pair-Id": "KUNKNOWN"}, base, _pem(keys[0])) == (
        "InvalidKey",
        "Unknown Key",
    )


def test_signing_parameters_come_from_the_url_or_else_from_cloudfront_cookies(keys):
    query = "w=200&Expires=1&Signature=abc~_-&Key-Pair-Id=K1&h=100"
    assert signing_values(query, "CloudFront-Key-Pair-Id=K2") == {
        "Expires": "1",
        "Signature": "abc~_-",
        "Key-Pair-Id": "K1",
    }
    assert without_signing(query) == "w=200&h=100"  # not the resource's, never the origin's
    cookies = "session=x; CloudFront-Policy=cG9s; CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=K2"
    assert signing_values("w=200", cookies) == {"Policy": "cG9s", "Signature": "c2ln", "Key-Pair-Id": "K2"}


def test_a_canned_policy_covers_the_query_string_the_url_was_signed_with(keys):
    url = f"{URL}?download=1"
    signed = signer(keys[0]).generate_presigned_url(url, date_less_than=_at(NOW + 60))
    _, _, query = signed.partition("?")
    resource = f"{URL}?{without_signing(query)}"
    check(signing_values(query, None), resource, _pem(keys[0]))
    assert refusal(signing_values(query, None), URL, _pem(keys[0]))[0] == "AccessDenied"


def test_cloudfront_base64_decodes_the_url_safe_alphabet(keys):
    policy = b'{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}'
    encoded = base64.b64encode(policy).decode().replace("+", "-").replace("=", "_").replace("/", "~")
    assert cloudfront_b64decode(encoded) == policy


# --- bucket policies ------------------------------------------------------------------------------
def asset_bucket_policy(distribution_arn: str = DISTRIBUTION_ARN, list_bucket: bool = False) -> dict:
    """The assets template's policy: TLS only, and this distribution reads objects."""
    statements = [
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "ThisDistributionReads",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": ["s3:GetObject", "s3:ListBucket"] if list_bucket else "s3:GetObject",
            "Resource": ["arn:aws:s3:::assets/*", "arn:aws:s3:::assets"]
            if list_bucket
            else "arn:aws:s3:::assets/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def context(scheme: str = "https", arn: str = DISTRIBUTION_ARN) -> dict[str, str]:
    return {
        "aws:sourcearn": arn,
        "aws:sourceaccount": "123456789012",
        "aws:securetransport": str(scheme == "https").lower(),
    }


def test_the_bucket_policy_lets_only_the_named_distribution_read_through_its_origin_access_control():
    policy = asset_bucket_policy()
    read = ("s3:GetObject", "arn:aws:s3:::assets/img/logo.png")
    assert bucket_policy_allows(policy, "cloudfront.amazonaws.com", *read, context())
    other = context(arn="arn:aws:cloudfront::123456789012:distribution/EOTHER")
    assert not bucket_policy_allows(policy, "cloudfront.amazonaws.com", *read, other)
    assert not bucket_policy_allows(policy, None, *read, context())  # unsigned: no grant
    assert not bucket_policy_allows(policy, "cloudfront.amazonaws.com", *read, context("http"))  # TLS only
    assert not bucket_policy_allows(policy, "cloudfront.amazonaws.com", "s3:PutObject", read[1], context())
    assert not bucket_policy_allows(None, "cloudfront.amazonaws.com", *read, context())
    assert not bucket_policy_allows(
        policy, "cloudfront.amazonaws.com", "s3:ListBucket", "arn:aws:s3:::assets", context()
    )
    assert bucket_policy_allows(
        asset_bucket_policy(list_bucket=True),
        "cloudfront.amazonaws.com",
        "s3:ListBucket",
        "arn:aws:s3:::assets",
        context(),
    )


def test_conditions_compare_as_iam_does():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:Get*",
                "Resource": "arn:aws:s3:::assets/public/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}
                },
            }
        ]
    }
    assert bucket_policy_allows(policy, None, "s3:GetObject", "arn:aws:s3:::assets/public/a", context())
    assert not bucket_policy_allows(policy, None, "s3:GetObject", "arn:aws:s3:::assets/private/a", context())
    no_source = {"aws:securetransport": "true"}  # a condition on a key the request lacks fails
    assert not bucket_policy_allows(policy, None, "s3:GetObject", "arn:aws:s3:::assets/public/a", no_source)


# --- response headers policies --------------------------------------------------------------------
SECURITY_POLICY = {
    "Name": "assets",
    "SecurityHeadersConfig": {
        "StrictTransportSecurity": {
            "AccessControlMaxAgeSec": 63072000,
            "IncludeSubdomains": True,
            "Preload": True,
            "Override": True,
        },
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"FrameOption": "DENY", "Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True},
        "XSSProtection": {"Protection": True, "ModeBlock": True, "Override": True},
        "ContentSecurityPolicy": {"ContentSecurityPolicy": "default-src 'none'", "Override": False},
    },
    "CustomHeadersConfig": {
        "Quantity": 2,
        "Items": [
            {"Header": "Cache-Control", "Value": "no-store", "Override": False},
            {"Header": "X-Robots-Tag", "Value": "noindex", "Override": True},
        ],
    },
    "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Server"}]},
}


def test_the_response_headers_policy_adds_security_and_custom_headers_and_removes_others():
    headers = apply_response_headers_policy(
        SECURITY_POLICY, {"Content-Type": "image/png", "server": "AmazonS3", "x-frame-options": "SAMEORIGIN"}
    )
    assert headers == {
        "Content-Type": "image/png",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # Override: the policy's value replaces the origin's
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-XSS-Protection": "1; mode=block",
        "Content-Security-Policy": "default-src 'none'",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex",
    }


def test_without_override_the_origins_header_wins():
    headers = apply_response_headers_policy(
        SECURITY_POLICY,
        {"Cache-Control": "max-age=60", "Content-Security-Policy": "img-src 'self'", "X-Robots-Tag": "all"},
    )
    assert headers["Cache-Control"] == "max-age=60"
    assert headers["Content-Security-Policy"] == "img-src 'self'"
    assert headers["X-Robots-Tag"] == "noindex"


def test_xss_protection_and_no_policy():
    xss = {"SecurityHeadersConfig": {"XSSProtection": {"Protection": False, "Override": True}}}
    assert apply_response_headers_policy(xss, {}) == {"X-XSS-Protection": "0"}
    report = {
        "SecurityHeadersConfig": {
            "XSSProtection": {"Protection": True, "ReportUri": "https://example.com/r", "Override": True}
        }
    }
    assert apply_response_headers_policy(report, {}) == {
        "X-XSS-Protection": "1; report=https://example.com/r"
    }
    assert apply_response_headers_policy(None, {"Server": "AmazonS3"}) == {"Server": "AmazonS3"}


# --- CloudFormation's properties in the API's shape -----------------------------------------------
def test_a_distribution_config_from_cloudformation_takes_the_apis_shape():
    cfn = {
        "Enabled": "true",
        "Comment": "assets",
        "IPV6Enabled": True,
        "Aliases": ["assets.example.com"],
        "Origins": [
            {
                "Id": "assets",
                "DomainName": "assets.s3.us-east-1.amazonaws.com",
                "OriginAccessControlId": "E1OAC",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }
        ],
        "DefaultCacheBehavior": {
            "TargetOriginId": "assets",
            "ViewerProtocolPolicy": "https-only",
            "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": "cp",
        },
        "CacheBehaviors": [
            {
                "PathPattern": "private/*",
                "TargetOriginId": "assets",
                "ViewerProtocolPolicy": "https-only",
                "TrustedKeyGroups": ["KG1"],
            }
        ],
    }
    config = cloudfront_config("DistributionConfig", cfn)
    assert config["Enabled"] is True
    assert config["IsIPV6Enabled"] is True
    assert config["Aliases"] == {"Quantity": 1, "Items": ["assets.example.com"]}
    assert config["Origins"]["Quantity"] == 1
    assert config["Origins"]["Items"][0]["OriginAccessControlId"] == "E1OAC"
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == {
        "Quantity": 3,
        "Items": ["GET", "HEAD", "OPTIONS"],
        "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
    }
    behavior = config["CacheBehaviors"]["Items"][0]
    assert behavior["TrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": ["KG1"]}
    assert behavior["AllowedMethods"]["Items"] == ["GET", "HEAD"]  # CloudFormation's default


def test_policies_from_cloudformation_take_the_apis_shape_with_numbers_from_parameters():
    cache = cloudfront_config(
        "CachePolicyConfig",
        {
            "Name": "assets",
            "DefaultTTL": "3600",  # a Ref to a Number parameter arrives as a string
            "MinTTL": 0,
            "MaxTTL": 31536000,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": "true",
                "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": ["session"]},
                "HeadersConfig": {"HeaderBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        },
    )
    assert cache["DefaultTTL"] == 3600
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"] is True
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["CookiesConfig"]["Cookies"] == {
        "Quantity": 1,
        "Items": ["session"],
    }
    headers = cloudfront_config(
        "ResponseHeadersPolicyConfig",
        {"Name": "h", "RemoveHeadersConfig": {"Items": [{"Header": "Server"}]}},
    )
    assert headers["RemoveHeadersConfig"] == {"Quantity": 1, "Items": [{"Header": "Server"}]}
    assert cloudfront_config("KeyGroupConfig", {"Name": "k", "Items": ["K1"]}) == {
        "Name": "k",
        "Items": ["K1"],
    }


def test_a_property_the_api_does_not_know_fails_the_deploy_with_its_name():
    with pytest.raises(DeployError, match="CachePolicyConfig has no property DefaultTtl"):
        cloudfront_config("CachePolicyConfig", {"Name": "x", "DefaultTtl": 1})


def test_canned_policy_is_the_statement_cloudfront_signs():
    assert json.loads(canned_policy(URL, NOW)) == {
        "Statement": [{"Resource": URL, "Condition": {"DateLessThan": {"AWS:EpochTime": NOW}}}]
    }
    assert " " not in canned_policy(URL, NOW)
