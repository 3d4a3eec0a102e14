"""TagResource, UntagResource and ListTagsForResource on Pinpoint's resource ARNs: applications
(`apps/<id>`), their campaigns, segments and journeys (`apps/<id>/<kind>/<id>`), and message
templates (`templates/<name>/<type>`). Tags change in place: no new version of the resource. AWS's
tagging rules apply to the result (at most 50 tags, key and value lengths, no `aws:` keys)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engage.applications.model import check_tags
from engage.errors import NotFoundError, ValidationError

# Any account part: the AWS CLI's own examples write one as "AIDACKCEVSQ6C2EXAMPLE".
ARN = re.compile(r"^arn:aws[a-z-]*:mobiletargeting:[a-z0-9-]*:[^:]*:(?P<path>.+)$")
APP_KINDS = {"campaigns": "campaign", "segments": "segment", "journeys": "journey"}
TEMPLATE_TYPES = ("EMAIL", "SMS", "VOICE", "PUSH", "INAPP")


@dataclass(frozen=True)
class Resource:
    kind: str  # application | campaign | segment | journey | template
    app_id: str = ""
    resource_id: str = ""  # a template's name
    template_type: str = ""


def resource_of(arn: str) -> Resource:
    """The resource an ARN names; ValidationError naming what is wrong with it."""
    match = ARN.match(arn or "")
    if not match:
        raise ValidationError(
            "resource-arn", "is not an Amazon Pinpoint resource ARN (arn:aws:mobiletargeting:...)"
        )
    parts = match.group("path").split("/")
    if len(parts) == 2 and parts[0] == "apps" and parts[1]:
        return Resource("application", parts[1])
    if len(parts) == 4 and parts[0] == "apps" and parts[2] in APP_KINDS and parts[1] and parts[3]:
        return Resource(APP_KINDS[parts[2]], parts[1], parts[3])
    if len(parts) == 3 and parts[0] == "templates" and parts[1] and parts[2].upper() in TEMPLATE_TYPES:
        return Resource("template", resource_id=parts[1], template_type=parts[2].upper())
    raise ValidationError("resource-arn", f"names no taggable resource: {match.group('path')!r}")


@dataclass(frozen=True)
class Tagged:
    """How one kind of resource's tags are read (the resource as its Get answers it) and replaced."""

    read: Callable[[Resource], Mapping[str, Any]]
    write: Callable[[Resource, Mapping[str, str]], None]


@dataclass
class Tagging:
    kinds: Mapping[str, Tagged]

    def list(self, arn: str) -> dict[str, str]:
        resource = resource_of(arn)
        return dict(self._kind(resource).read(resource).get("tags") or {})

    def tag(self, arn: str, tags: Any) -> None:
        if not isinstance(tags, Mapping) or not tags:
            raise ValidationError("tags", "give the tags to add, as an object of keys to values")
        resource = resource_of(arn)
        kind = self._kind(resource)
        current = dict(kind.read(resource).get("tags") or {})
        kind.write(resource, check_tags({**current, **tags}))

    def untag(self, arn: str, keys: Sequence[str]) -> None:
        if not keys:
            raise ValidationError("tagKeys", "name the tag keys to remove")
        resource = resource_of(arn)
        kind = self._kind(resource)
        current = dict(kind.read(resource).get("tags") or {})
        kind.write(resource, {k: v for k, v in current.items() if k not in set(keys)})

    def _kind(self, resource: Resource) -> Tagged:
        found = self.kinds.get(resource.kind)
        if found is None:
            raise NotFoundError(f"{resource.kind}s can't be tagged here")
        return found
