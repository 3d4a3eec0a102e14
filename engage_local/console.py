"""The web console on the local stack: published to its bucket as `make deploy` publishes it
(engage_cli.console), with the emulator standing in for Cognito's endpoints, and served by the local
CloudFront edge. Two sign-ins are made, one per group, each with a password of its own written to
the state folder (never a fixed one)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USERS = {"FullAccess": "full@console.local", "MaskedAccess": "masked@console.local"}


@dataclass(frozen=True)
class LocalConsole:
    url: str | None  # the console's page, through the local edge (None: not built)
    users: dict[str, dict[str, str]]  # group -> {"username", "password"}


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
