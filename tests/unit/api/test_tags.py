"""Tags by resource ARN (engage.api.tags): which resource an ARN names, and tag, untag and list over
each kind's store, with AWS's tagging rules on the result."""

from __future__ import annotations

import pytest
from engage.api.tags import Resource, Tagged, Tagging, resource_of
from engage.errors import NotFoundError, ValidationError

APPS = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1"


@pytest.mark.parametrize(
    ("arn", "resource"),
    [
        (APPS, Resource("application", "a1")),
        # The AWS CLI's tag-resource example, account part and all.
        ("arn:aws:mobiletargeting:us-east-1:AIDACKCEVSQ6C2EXAMPLE:apps/810c7aab86d42fb2b56c8c966example",
         Resource("application", "810c7aab86d42fb2b56c8c966example")),
        (f"{APPS}/campaigns/c1", Resource("campaign", "a1", "c1")),
        (f"{APPS}/segments/s1", Resource("segment", "a1", "s1")),
        (f"{APPS}/journeys/j1", Resource("journey", "a1", "j1")),
        ("arn:aws:mobiletargeting:us-east-1:123456789012:templates/welcome/EMAIL",
         Resource("template", resource_id="welcome", template_type="EMAIL")),
        ("arn:aws:mobiletargeting:::apps/a1/campaigns/c1", Resource("campaign", "a1", "c1")),
    ],
)  # fmt: skip
def test_each_resource_arn_names_its_kind_and_ids(arn, resource):
    assert resource_of(arn) == resource


@pytest.mark.parametrize(
    "arn", ["arn:aws:s3:::bucket", f"{APPS}/endpoints/e1", f"{APPS}/campaigns", "templates/x/EMAIL", ""]
)
def test_an_arn_of_nothing_taggable_is_refused(arn):
    with pytest.raises(ValidationError):
        resource_of(arn)


def test_tags_merge_are_removed_by_key_and_follow_aws_rules():
    stored = {"owner": "ana"}

    def write(_resource, tags):
        stored.clear()
        stored.update(tags)

    tagging = Tagging({"journey": Tagged(lambda _r: {"tags": dict(stored)}, write)})
    arn = f"{APPS}/journeys/j1"
    tagging.tag(arn, {"team": "growth"})
    assert tagging.list(arn) == {"owner": "ana", "team": "growth"}
    tagging.untag(arn, ["owner", "absent"])
    assert tagging.list(arn) == {"team": "growth"}
    with pytest.raises(ValidationError, match="aws:"):
        tagging.tag(arn, {"aws:cloudformation": "x"})
    with pytest.raises(ValidationError, match="at most 50"):
        tagging.tag(arn, {f"k{n}": "v" for n in range(50)})
    with pytest.raises(ValidationError, match="tagKeys"):
        tagging.untag(arn, [])
    with pytest.raises(NotFoundError):
        tagging.list(f"{APPS}/campaigns/c1")  # a kind this tagging has no store for
