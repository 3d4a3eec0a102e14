"""IAM roles named in requests (a channel's role, a journey's contact-center role, an import or
export job's role): the form of a role's ARN, checked before anything assumes or records it."""

from __future__ import annotations

import re

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# The partner guide's verbatim examples write "account-id" as the account: a role named that way is
# recorded as given (nothing assumes it).
RECORDED_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[^:/]+:role/[\w+=,.@/-]{1,512}$")


def is_role_arn(text: object, any_account: bool = False) -> bool:
    pattern = RECORDED_ROLE_ARN if any_account else ROLE_ARN
    return isinstance(text, str) and bool(pattern.match(text))
