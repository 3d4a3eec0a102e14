"""The root template and its nested applications' as data, so tests, benchmarks and the demo
create exactly the tables and stream they declare (never a hand-written copy of their keys and
indexes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE_API_FIELDS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


@cache
def root_template() -> dict[str, Any]:
    return cfn_yaml.load(str(ROOT / "template.yaml"))


@cache
def app_template(name: str) -> dict[str, Any]:
    """A nested application's template (`apps/<name>/template.yaml`)."""
    return cfn_yaml.load(str(ROOT / "apps" / name / "template.yaml"))


def resource(logical_id: str, app: str | None = None) -> dict[str, Any]:
    """A resource of the root template, or of the nested application `app`."""
    return (app_template(app) if app else root_template())["Resources"][logical_id]


def create_table(client: Any, logical_id: str, name: str | None = None, app: str | None = None) -> str:
    """Creates the template's table (keys, indexes, billing) in whatever DynamoDB `client` reaches."""
    props = resource(logical_id, app)["Properties"]
    name = name or logical_id
    client.create_table(TableName=name, **{k: props[k] for k in TABLE_API_FIELDS if k in props})
    return name


def create_stream(client: Any, logical_id: str = "EventStream", name: str | None = None) -> str:
    props = resource(logical_id)["Properties"]
    name = name or logical_id
    client.create_stream(StreamName=name, StreamModeDetails=dict(props["StreamModeDetails"]))
    client.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    return name
