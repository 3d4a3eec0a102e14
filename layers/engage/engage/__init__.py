"""The `engage` package: the domain of the engagement layer Pinpoint no longer provides, and its
AWS adapters. Domain modules never import boto3; `engage.adapters.clients` is the one place that
creates AWS clients."""

from typing import Any


def pinpoint_client(endpoint_url: str, **kwargs: Any) -> Any:
    """boto3's pinpoint client for the Pinpoint-compatible API (see engage.adapters.pinpoint.client):
    existing Pinpoint code keeps working by changing only how its client is built."""
    from engage.adapters.pinpoint.client import pinpoint_client as build

    return build(endpoint_url, **kwargs)
