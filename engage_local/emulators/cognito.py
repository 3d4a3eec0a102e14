"""Amazon Cognito identity pools as the console's sign-in uses them, which moto answers with fixed
keys that stand for no one: `GetId` and `GetCredentialsForIdentity` for a user signed in to a user
pool (moto's cognito-idp issues the id token), and the pool's role attachment
(`SetIdentityPoolRoles`, `GetIdentityPoolRoles`).

The credentials stand for the role Cognito would choose: with a role mapping of type Token, the
role of the user's group with the lowest precedence (the token's `cognito:preferred_role`), or the
pool's authenticated role when the mapping's AmbiguousRoleResolution is AuthenticatedRole; with Deny
and no group role, no credentials. The id token must be moto's own, signed with its key, for a
client of the user pool the identity pool names, and unexpired; the role's trust policy must let
cognito-identity.amazonaws.com assume it for this pool. Calls made with the credentials are that
role's (engage_local.iam.principals), so the local stack's IAM judges them as AWS would."""

from __future__ import annotations

import gzip
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from engage_local.emulators.framework import ApiError, Emulator
from engage_local.iam.principals import PRINCIPALS

CREDENTIAL_SECONDS = 3600  # GetCredentialsForIdentity's credentials last an hour
ISSUER = "cognito-identity.amazonaws.com"


class IdentityPools:
    """The role attachments of identity pools (the pools themselves are moto's)."""

    def __init__(self, region: str, account: str) -> None:
        self.region, self.account = region, account
        self._roles: dict[str, dict[str, Any]] = {}
        self._identities: dict[str, str] = {}  # identity id -> its pool

    # --- operations ------------------------------------------------------------------------------
    def set_identity_pool_roles(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(params["IdentityPoolId"])
        self._roles[pool["IdentityPoolId"]] = {
            "Roles": params.get("Roles", {}),
            "RoleMappings": params.get("RoleMappings", {}),
        }
        return {}

    def get_identity_pool_roles(self, params: dict[str, Any]) -> dict[str, Any]:
        pool_id = self._pool(params["IdentityPoolId"])["IdentityPoolId"]
        return {"IdentityPoolId": pool_id, **self._roles.get(pool_id, {"Roles": {}})}

    def get_id(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(params["IdentityPoolId"])
        claims = self._signed_in(pool, params.get("Logins") or {})
        # One identity per user and pool, as Cognito keeps it (the user's sub names it).
        identity = f"{self.region}:{uuid.uuid5(uuid.NAMESPACE_URL, pool['IdentityPoolId'] + claims['sub'])}"
        self._identities[identity] = pool["IdentityPoolId"]
        return {"IdentityId": identity}

    def get_credentials_for_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        identity = params["IdentityId"]
        pool_id = self._identities.get(identity)
        if pool_id is None:
            raise ApiError("ResourceNotFoundException", f"Identity '{identity}' not found.")
        pool = self._pool(pool_id)
        claims = self._signed_in(pool, params.get("Logins") or {})
        role = self._role(pool, claims)
        expires = datetime.now(UTC) + timedelta(seconds=CREDENTIAL_SECONDS)
        return {
            "IdentityId": identity,
            "Credentials": {
                "AccessKeyId": PRINCIPALS.credentials_for(role),
                "SecretKey": secrets.token_urlsafe(30),
                "SessionToken": secrets.token_urlsafe(60),
                "Expiration": expires,
            },
        }

    # --- checks ----------------------------------------------------------------------------------
    def _pool(self, pool_id: str) -> dict[str, Any]:
        from moto.cognitoidentity.models import cognitoidentity_backends

        backend = cognitoidentity_backends[self.account][self.region]
        pool = backend.identity_pools.get(pool_id)
        if pool is None:
            raise ApiError("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return json.loads(pool.to_json())

    def _signed_in(self, pool: dict[str, Any], logins: dict[str, str]) -> dict[str, Any]:
        """The claims of the one login the pool trusts: an id token of one of its user pools'
        clients, signed by that user pool and unexpired."""
        if pool.get("AllowUnauthenticatedIdentities") is not True and not logins:
            raise ApiError(
                "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
            )
        providers = {
            f"{p['ProviderName']}": p["ClientId"] for p in pool.get("CognitoIdentityProviders") or []
        }
        for provider, token in logins.items():
            if provider not in providers:
                raise ApiError(
                    "NotAuthorizedException", f"Invalid login token. Provider {provider} is not configured."
                )
            claims = _verified(token)
            issuer = f"https://{provider}"
            if claims.get("iss") != issuer or claims.get("aud") != providers[provider]:
                raise ApiError(
                    "NotAuthorizedException", "Invalid login token. Issuer or audience does not match."
                )
            if claims.get("token_use") != "id":
                raise ApiError("NotAuthorizedException", "Invalid login token. Not an id token.")
            if claims.get("exp", 0) < time.time():  # moto's tokens are dated by the wall clock
                raise ApiError("NotAuthorizedException", "Invalid login token. Token expired.")
            return {**claims, "_provider": provider}
        raise ApiError(
            "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
        )

    def _role(self, pool: dict[str, Any], claims: dict[str, Any]) -> str:
        attached = self._roles.get(pool["IdentityPoolId"], {})
        mappings = attached.get("RoleMappings") or {}
        # A user pool's mapping is keyed by "<provider name>:<app client id>".
        mapping = mappings.get(f"{claims['_provider']}:{claims.get('aud')}") or mappings.get(
            claims["_provider"]
        )
        role = None
        if mapping and mapping.get("Type") == "Token":
            role = self._preferred_role(claims)
            if role is None and mapping.get("AmbiguousRoleResolution") == "AuthenticatedRole":
                role = (attached.get("Roles") or {}).get("authenticated")
            if role is None:
                raise ApiError(
                    "InvalidIdentityPoolConfigurationException",
                    "No role could be resolved for this identity.",
                )
        else:
            role = (attached.get("Roles") or {}).get("authenticated")
        if role is None:
            raise ApiError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        if not self._trusts(role, pool["IdentityPoolId"]):
            raise ApiError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        return role

    def _preferred_role(self, claims: dict[str, Any]) -> str | None:
        """cognito:preferred_role: the role of the user's group with the lowest precedence."""
        from moto.cognitoidp.models import cognitoidp_backends

        pool_id = claims["iss"].rsplit("/", 1)[1]
        user_pool = cognitoidp_backends[self.account][self.region].user_pools.get(pool_id)
        if user_pool is None:
            return None
        groups = [user_pool.groups[g] for g in claims.get("cognito:groups") or [] if g in user_pool.groups]
        ranked = sorted(
            (g for g in groups if g.role_arn), key=lambda g: (g.precedence is None, g.precedence or 0)
        )
        return ranked[0].role_arn if ranked else None

    def _trusts(self, role_arn: str, pool_id: str) -> bool:
        """Whether the role's trust policy lets Cognito assume it for this pool's signed-in users
        (sts:AssumeRoleWithWebIdentity from cognito-identity.amazonaws.com, aud the pool)."""
        from moto.iam.exceptions import NotFoundException
        from moto.iam.models import iam_backends

        try:
            role = iam_backends[self.account]["global"].get_role(role_arn.rsplit("/", 1)[1])
        except NotFoundException:
            return False
        trust = role.assume_role_policy_document
        statements = (json.loads(trust) if isinstance(trust, str) else trust).get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            federated = (statement.get("Principal") or {}).get("Federated")
            actions = statement.get("Action")
            actions = [actions] if isinstance(actions, str) else actions or []
            audience = (statement.get("Condition") or {}).get("StringEquals", {}).get(f"{ISSUER}:aud")
            if (
                statement.get("Effect") == "Allow"
                and ISSUER in ([federated] if isinstance(federated, str) else federated or [])
                and "sts:AssumeRoleWithWebIdentity" in actions
                and audience in (pool_id, [pool_id])
            ):
                return True
        return False


def _verified(token: str) -> dict[str, Any]:
    """The claims of an id token moto's user pools signed (RS256, its published key)."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(_moto_keys())
        return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)
    except (JoseError, ValueError) as exc:
        raise ApiError("NotAuthorizedException", f"Invalid login token. {exc}") from None


def _moto_keys() -> dict[str, Any]:
    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


def cognito_identity_emulator(pools: IdentityPools) -> Emulator:
    return Emulator.serving(
        "cognito-identity",
        pools,
        ["GetId", "GetCredentialsForIdentity", "SetIdentityPoolRoles", "GetIdentityPoolRoles"],
    )
