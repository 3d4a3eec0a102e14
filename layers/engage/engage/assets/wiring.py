"""The assets area's composition root: the signing key custom resource built on the stack's secret
(through the shared client factory) and CloudFormation's response. Its function reads nothing from
the environment: the secret is named by the resource's properties."""

from __future__ import annotations

import functools

from engage.adapters.cloudformation.response import respond
from engage.adapters.cloudfront.signing import SecretSigningKeys
from engage.assets.signing_key import SigningKeyResource
from engage.runtime import services


@functools.cache
def signing_key() -> SigningKeyResource:
    return SigningKeyResource(lambda: SecretSigningKeys(services.factory.client("secretsmanager")), respond)
