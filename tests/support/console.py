"""Signing in to the web console's user pool on a local stack, as the console's pages do: the user
pool's InitiateAuth, then the identity pool's GetId and GetCredentialsForIdentity, whose credentials
stand for the role of the user's group."""

from __future__ import annotations

from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config


def outputs(stack: Any) -> dict[str, str]:
    return stack.stacks["engage"].outputs


def id_token(stack: Any, username: str, password: str) -> str:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=stack.endpoint_url,
        region_name=stack.region,
        config=Config(signature_version=UNSIGNED),
    )
    answer = idp.initiate_auth(
        ClientId=outputs(stack)["ConsoleUserPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return answer["AuthenticationResult"]["IdToken"]


def credentials(stack: Any, token: str) -> dict[str, Any]:
    """The identity pool's credentials for a signed-in user (unsigned calls, as a browser's are)."""
    found = outputs(stack)
    identity = boto3.client(
        "cognito-identity",
        endpoint_url=stack.endpoint_url,
        region_name=stack.region,
        config=Config(signature_version=UNSIGNED),
    )
    logins = {f"cognito-idp.{stack.region}.amazonaws.com/{found['ConsoleUserPoolId']}": token}
    identity_id = identity.get_id(IdentityPoolId=found["ConsoleIdentityPoolId"], Logins=logins)["IdentityId"]
    return identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]


def signed_in_pinpoint(stack: Any, group: str) -> Any:
    """A pinpoint client for the local API, signed with the credentials of the console's user in
    `group` (FullAccess or MaskedAccess)."""
    import engage

    user = stack.console.users[group]
    found = credentials(stack, id_token(stack, user["username"], user["password"]))
    session = boto3.session.Session(
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretKey"],
        aws_session_token=found["SessionToken"],
        region_name=stack.region,
    )
    return engage.pinpoint_client(stack.api.url, session=session)


def admin_get(stack: Any, path: str) -> dict[str, Any]:
    """A GET of the local API as the administrator (keys that name no role): what the API answers,
    to compare with what a page shows."""
    from botocore.credentials import Credentials

    answer = _send(stack, Credentials("testing", "testing"), "GET", path)
    answer.raise_for_status()
    return answer.json()


def signed_call(
    stack: Any, group: str, method: str, path: str, body: dict | None = None, origin: str | None = None
) -> Any:
    """A call of the local API signed for execute-api with the credentials of the console's user in
    `group`, as the console's pages make it."""
    from botocore.credentials import Credentials

    user = stack.console.users[group]
    found = credentials(stack, id_token(stack, user["username"], user["password"]))
    signer = Credentials(found["AccessKeyId"], found["SecretKey"], found["SessionToken"])
    return _send(stack, signer, method, path, body, origin)


def _send(
    stack: Any, signer: Any, method: str, path: str, body: dict | None = None, origin: str | None = None
) -> Any:
    """The request signed with botocore's SigV4 for execute-api, then sent."""
    import json

    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    headers = {"Origin": origin} if origin else {}
    data = json.dumps(body).encode() if body is not None else None
    if data:
        headers["Content-Type"] = "application/json"
    request = AWSRequest(method=method, url=f"{stack.api.url}{path}", data=data, headers=headers)
    SigV4Auth(signer, "execute-api", stack.region).add_auth(request)
    return requests.request(method, request.url, data=data, headers=dict(request.headers), timeout=30)
