"""Roles a customer makes for the stack to assume (a journey's contact-center role, an export's
role): tagged for the function that may assume them, trusting the account, allowed what they do."""

from __future__ import annotations

import json
import uuid
from typing import Any

from engage_local.iam.account import ACCOUNT


def tagged_role(stack: Any, tag: str, statements: list[dict[str, Any]], name: str = "customer") -> str:
    iam, role_name = stack.client("iam"), f"{name}-{uuid.uuid4().hex[:8]}"
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }
    arn = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
        Tags=[{"Key": tag, "Value": "true"}],
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="allowed",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn
