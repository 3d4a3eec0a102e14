"""The web console on the local stack: its built files (`build/console/`, `make console`) put in the
console's bucket as `make deploy` puts them on AWS, with the `config.json` the pages read (the
stack's API, user pool and identity pool, and the emulator standing in for Cognito's endpoints),
served by the local CloudFront edge. Two sign-ins are made, one per group, each with a password of
its own written to the state folder (never a fixed one)."""

from __future__ import annotations

import json
import mimetypes
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUILD = Path(__file__).resolve().parents[1] / "build" / "console"
USERS = {"FullAccess": "full@console.local", "MaskedAccess": "masked@console.local"}


@dataclass(frozen=True)
class LocalConsole:
    url: str | None  # the console's page, through the local edge (None: not built)
    users: dict[str, dict[str, str]]  # group -> {"username", "password"}


def settings(outputs: dict[str, str], api_url: str, endpoint_url: str, region: str) -> dict[str, Any]:
    """The console's config.json for a deployed stack (its outputs); the Cognito endpoints are the
    local emulator's, which the pages call where they would call AWS's."""
    return {
        "region": region,
        "apiUrl": api_url,
        "userPoolId": outputs["ConsoleUserPoolId"],
        "userPoolClientId": outputs["ConsoleUserPoolClientId"],
        "identityPoolId": outputs["ConsoleIdentityPoolId"],
        "cognitoIdpEndpoint": endpoint_url,
        "cognitoIdentityEndpoint": endpoint_url,
    }


def publish(clients: Any, bucket: str, config: dict[str, Any], build: Path = BUILD) -> int:
    """Puts the built console and its config.json in `bucket`; returns how many files. Nothing is
    put when the console has not been built (`make console`)."""
    if not (build / "index.html").exists():
        return 0
    s3 = clients.client("s3")
    files = [p for p in sorted(build.rglob("*")) if p.is_file() and p.name != "config.json"]
    for path in files:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(
            Bucket=bucket, Key=path.relative_to(build).as_posix(), Body=path.read_bytes(), ContentType=kind
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    return len(files) + 1


def sign_ins(clients: Any, pool_id: str, state_dir: Path) -> dict[str, dict[str, str]]:
    """A user in each group with a random password (kept in the state folder, mode 600)."""
    idp = clients.client("cognito-idp")
    users = {}
    for group, username in USERS.items():
        password = secrets.token_urlsafe(12) + "aA1!"
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        users[group] = {"username": username, "password": password}
    path = state_dir / "console-users.json"
    path.write_text(json.dumps(users, indent=2))
    path.chmod(0o600)
    return users


def console_url(control_url: str, domain: str) -> str:
    return f"{control_url}/cloudfront/{domain}/index.html"
