"""CloudFront signed URLs for the asset distribution's private/ paths: the RSA key pair (made once, at
deployment, by the signing-key custom resource; its private half kept only in Secrets Manager as
`{"private_key": "<PEM>"}`) and canned-policy URLs signed through botocore's CloudFrontSigner, so a
link lives as long as its policy says and not as long as any Lambda session."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from engage.errors import ValidationError

KEY_BITS = 2048  # CloudFront accepts 2048-bit RSA public keys only


def new_private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(private_pem: str) -> str:
    """The public half, as CloudFront's CreatePublicKey takes it (SubjectPublicKeyInfo PEM)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def stored_private_key(secret_value: str) -> str | None:
    """The PEM a signing-key secret holds, or None while it holds none yet."""
    try:
        document = json.loads(secret_value or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationError("secret", 'must hold {"private_key": "<PEM>"}') from exc
    pem = document.get("private_key") if isinstance(document, dict) else None
    return pem or None


def secret_document(private_pem: str) -> str:
    return json.dumps({"private_key": private_pem})


class UrlSigner:
    """Signs URLs with one key pair: `key_id` is the CloudFront public key's id (Key-Pair-Id)."""

    def __init__(self, key_id: str, private_pem: str) -> None:
        from botocore.signers import CloudFrontSigner
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        key: Any = serialization.load_pem_private_key(private_pem.encode(), password=None)
        # CloudFront verifies RSA-SHA1 signatures of the policy: its documented scheme, not a choice.
        self._signer = CloudFrontSigner(
            key_id,
            lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()),  # noqa: S303
        )

    def sign(self, url: str, expires_at: datetime) -> str:
        return self._signer.generate_presigned_url(url, date_less_than=expires_at)


class SecretSigningKeys:
    """The signing key pair kept in a Secrets Manager secret (the SigningKeys port of
    engage.assets.signing_key): the private key read and stored as the secret's document."""

    def __init__(self, client: Any) -> None:  # a boto3 Secrets Manager client
        self.client = client

    def stored(self, secret_arn: str) -> str | None:
        return stored_private_key(self.client.get_secret_value(SecretId=secret_arn)["SecretString"])

    def store(self, secret_arn: str, private_pem: str) -> None:
        self.client.put_secret_value(SecretId=secret_arn, SecretString=secret_document(private_pem))

    def new_private_key(self) -> str:
        return new_private_key_pem()

    def public_key(self, private_pem: str) -> str:
        return public_key_pem(private_pem)
