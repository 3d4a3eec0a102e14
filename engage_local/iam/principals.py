"""Who a call is made as on the local stack: access keys that name roles (a function's calls are its
execution role's), the IAM mode, and the running stack's enforcer, for deliveries made inside moto
and the emulators."""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from engage.adapters.clients import ClientFactory, new_session

ACCESS_KEY_PREFIX = "ASIALOCALROLE"
MODE_VARIABLE = "ENGAGE_LOCAL_IAM"  # "enforce" (the default), "report" or "off"
MODES = ("enforce", "report", "off")


class Principals:
    """Access keys that stand for roles."""

    def __init__(self) -> None:
        self._roles: dict[str, str] = {}
        self._lock = threading.Lock()

    def credentials_for(self, role_arn: str) -> str:
        key = ACCESS_KEY_PREFIX + hashlib.sha256(role_arn.encode()).hexdigest()[:16].upper()
        with self._lock:
            self._roles[key] = role_arn
        return key

    def role_of(self, access_key: str) -> str | None:
        """The role a key stands for: a function's, or one assumed through STS (its session's
        calls are the role's)."""
        return self._roles.get(access_key) or assumed_role(access_key)


def assumed_role(access_key: str) -> str | None:
    if not access_key.startswith("ASIA"):
        return None
    from moto.sts.models import sts_backends

    for account in list(sts_backends):
        for backend in list(sts_backends[account].values()):
            for session in list(getattr(backend, "assumed_roles", ())):
                if session.access_key_id == access_key:
                    return str(session.role_arn)
    return None


PRINCIPALS = Principals()
ACTIVE: list[Any] = []  # the running stack's enforcer (engage_local.iam.enforcer.Enforcer)


def active() -> Any:
    """The running stack's enforcer, or None when IAM is off."""
    return ACTIVE[-1] if ACTIVE else None


def iam_mode() -> str:
    """enforce: denied calls fail; report: they are recorded and logged but go on (to find what a
    template misses in one run); off: no checks."""
    mode = os.environ.get(MODE_VARIABLE, "enforce").strip().lower()
    if mode not in MODES:
        raise ValueError(f"{MODE_VARIABLE} must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def as_role(clients: Any, role_arn: str | None) -> Any:
    """A client factory like `clients` whose calls are made as `role_arn` (`clients` itself for no
    role): what Lambda does for an event source mapping or a destination, it does as the function's
    execution role."""
    if not role_arn:
        return clients
    key = (clients.region, clients.endpoint_url, role_arn)
    with _as_role_lock:
        found = _as_role.get(key)
        if found is None:  # one factory per role, so its clients are built once, not per call
            session = new_session(
                aws_access_key_id=PRINCIPALS.credentials_for(role_arn),
                aws_secret_access_key="local",  # noqa: S106 - the emulator takes any secret
                region_name=clients.region,
            )
            found = _as_role[key] = ClientFactory(
                region=clients.region, endpoint_url=clients.endpoint_url, session=session
            )
        return found


_as_role: dict[tuple[str, str | None, str], ClientFactory] = {}
_as_role_lock = threading.Lock()


def function_role(function_arn: str) -> str | None:
    """The execution role of a deployed function."""
    from moto.awslambda.models import lambda_backends

    account, region = function_arn.split(":")[4], function_arn.split(":")[3]
    try:
        return str(lambda_backends[account][region].get_function(function_arn).role)
    except Exception:  # noqa: BLE001 - a function deleted meanwhile: no role to act as
        return None
