"""The asset distribution's signing key pair as a custom resource (`Custom::CloudFrontKeyPair`): the
private key is made once and kept only in the stack's secret; every Create and Update answers the
public key (PublicKeyPem) for AWS::CloudFront::PublicKey. Delete leaves the secret to its own
resource. Every path answers CloudFormation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.custom_resources import Respond
from engage.obs import logger


class SigningKeys(Protocol):
    """Where the key pair is kept (engage.adapters.cloudfront.signing.SecretSigningKeys), and RSA."""

    def stored(self, secret_arn: str) -> str | None:
        """The private key's PEM the secret holds, or None while it holds none yet."""
        ...

    def store(self, secret_arn: str, private_pem: str) -> None: ...
    def new_private_key(self) -> str: ...
    def public_key(self, private_pem: str) -> str: ...


@dataclass(frozen=True)
class SigningKeyResource:
    """`keys()` gives the key store, built on first use inside the answer's `try`."""

    keys: Callable[[], SigningKeys]
    respond: Respond

    def handle(self, event: Mapping[str, Any]) -> None:
        secret_arn = event["ResourceProperties"]["SecretArn"]
        physical_id = event.get("PhysicalResourceId") or f"{secret_arn}#signing-key"
        try:
            if event["RequestType"] == "Delete":
                self.respond(event, "SUCCESS", physical_id)
                return
            keys = self.keys()
            private_pem = keys.stored(secret_arn)
            if private_pem is None:
                private_pem = keys.new_private_key()
                keys.store(secret_arn, private_pem)
                logger.info("signing key made")
            public_pem = keys.public_key(private_pem)
        except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
            logger.exception("signing key not available", extra={"request": event["RequestType"]})
            self.respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
            return
        self.respond(event, "SUCCESS", physical_id, {"PublicKeyPem": public_pem})
