"""CloudFront's cache policies and response headers policies (moto lacks both), emulated with state
in the real API's REST-XML shape; and the distributions moto creates, observed with the whole
DistributionConfig they were created with, for the local edge (`engage_local.emulators.edge`) to
serve. moto's model drops parts of it (an origin's OriginAccessControlId and S3OriginConfig, a
behaviour's AllowedMethods, HttpVersion): its answers about a distribution get them back.
"""

from __future__ import annotations

import secrets
import string
import threading
import uuid
from typing import Any

from engage_local.emulators.framework import ApiError, Clock, Emulator

API = "https://cloudfront.amazonaws.com/2020-05-31"
# Each policy kind: the operations' names, its REST path, and the key of its configuration.
POLICY_KINDS = {"CachePolicy": "cache-policy", "ResponseHeadersPolicy": "response-headers-policy"}


def _etag() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(14))


def _inconsistent_quantities(value: Any) -> bool:
    """CloudFront refuses a list whose Quantity is not its number of Items."""
    if isinstance(value, dict):
        if "Quantity" in value and value["Quantity"] != len(value.get("Items", [])):
            return True
        return any(_inconsistent_quantities(v) for v in value.values())
    if isinstance(value, list):
        return any(_inconsistent_quantities(v) for v in value)
    return False


class CloudFrontState:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.policies: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in POLICY_KINDS}
        self.distributions: dict[str, dict[str, Any]] = {}  # id -> Id, ARN, DomainName, DistributionConfig

    # --- cache and response headers policies ---------------------------------------------------
    def _create(self, kind: str, config: dict[str, Any]) -> dict[str, Any]:
        if _inconsistent_quantities(config):
            raise ApiError(
                "InconsistentQuantities", "The value of Quantity and the size of Items don't match."
            )
        if kind == "CachePolicy" and not (
            config.get("MinTTL", 0) <= config.get("DefaultTTL", 86400) <= config.get("MaxTTL", 31536000)
        ):
            raise ApiError("InvalidArgument", "MinTTL <= DefaultTTL <= MaxTTL is required.")
        with self.lock:
            if any(p[f"{kind}Config"]["Name"] == config["Name"] for p in self.policies[kind].values()):
                raise ApiError(
                    f"{kind}AlreadyExists", f"A {kind} with the name {config['Name']} already exists.", 409
                )
            policy_id = str(uuid.uuid4())
            policy = {
                "Id": policy_id,
                "LastModifiedTime": self.clock.now(),
                f"{kind}Config": config,
                "_etag": _etag(),
            }
            self.policies[kind][policy_id] = policy
        return {
            kind: _view(policy),
            "Location": f"{API}/{POLICY_KINDS[kind]}/{policy_id}",
            "ETag": policy["_etag"],
        }

    def _policy(self, kind: str, policy_id: str) -> dict[str, Any]:
        policy = self.policies[kind].get(policy_id)
        if policy is None:
            raise ApiError(f"NoSuch{kind}", f"The {kind} {policy_id} does not exist.", 404)
        return policy

    def _list(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("Type") not in (None, "custom", "managed"):
            raise ApiError("InvalidArgument", "Type must be managed or custom.")
        custom = [] if params.get("Type") == "managed" else list(self.policies[kind].values())
        limit = int(params.get("MaxItems") or 100)
        items = [{"Type": "custom", kind: _view(p)} for p in custom[:limit]]
        return {f"{kind}List": {"MaxItems": limit, "Quantity": len(items), "Items": items}}

    def _delete(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            policy = self._policy(kind, params["Id"])
            if not params.get("IfMatch"):
                raise ApiError("InvalidIfMatchVersion", "The If-Match version is missing or not valid.")
            if params["IfMatch"] != policy["_etag"]:
                raise ApiError("PreconditionFailed", "The If-Match version does not match.", 412)
            if any(
                params["Id"] in _policy_ids(d["DistributionConfig"], kind)
                for d in self.distributions.values()
            ):
                raise ApiError(f"{kind}InUse", f"The {kind} is attached to a distribution.", 409)
            del self.policies[kind][params["Id"]]
        return {}

    def create_cache_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._create("CachePolicy", params["CachePolicyConfig"])

    def get_cache_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy("CachePolicy", params["Id"])
        return {"CachePolicy": _view(policy), "ETag": policy["_etag"]}

    def get_cache_policy_config(self, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy("CachePolicy", params["Id"])
        return {"CachePolicyConfig": policy["CachePolicyConfig"], "ETag": policy["_etag"]}

    def list_cache_policies(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._list("CachePolicy", params)

    def delete_cache_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete("CachePolicy", params)

    def create_response_headers_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._create("ResponseHeadersPolicy", params["ResponseHeadersPolicyConfig"])

    def get_response_headers_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy("ResponseHeadersPolicy", params["Id"])
        return {"ResponseHeadersPolicy": _view(policy), "ETag": policy["_etag"]}

    def get_response_headers_policy_config(self, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy("ResponseHeadersPolicy", params["Id"])
        return {"ResponseHeadersPolicyConfig": policy["ResponseHeadersPolicyConfig"], "ETag": policy["_etag"]}

    def list_response_headers_policies(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._list("ResponseHeadersPolicy", params)

    def delete_response_headers_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete("ResponseHeadersPolicy", params)

    def policy_config(self, kind: str, policy_id: str | None) -> dict[str, Any] | None:
        policy = self.policies[kind].get(policy_id or "")
        return policy[f"{kind}Config"] if policy else None

    # --- distributions, as moto created them and as they were asked for ------------------------
    def _keep(self, config: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        distribution = answer["Distribution"]
        with self.lock:
            self.distributions[distribution["Id"]] = {
                "Id": distribution["Id"],
                "ARN": distribution["ARN"],
                "DomainName": distribution["DomainName"],
                "DistributionConfig": config,
            }
        return self.distribution_answered({"Id": distribution["Id"]}, answer)

    def distribution_created(self, params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        return self._keep(params["DistributionConfig"], answer)

    def distribution_created_with_tags(
        self, params: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any]:
        return self._keep(params["DistributionConfigWithTags"]["DistributionConfig"], answer)

    def distribution_updated(self, params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        return self._keep(params["DistributionConfig"], answer)

    def distribution_deleted(self, params: dict[str, Any], _answer: dict[str, Any]) -> None:
        with self.lock:
            self.distributions.pop(params["Id"], None)

    def distribution_answered(self, params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | None:
        """GetDistribution (and the answers to Create and Update) with the configuration as asked."""
        kept = self.distributions.get(params["Id"])
        if kept is None:
            return None
        distribution = answer["Distribution"]
        config = overlay(distribution["DistributionConfig"], kept["DistributionConfig"])
        return {**answer, "Distribution": {**distribution, "DistributionConfig": config}}

    def distribution_config_answered(
        self, params: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any] | None:
        kept = self.distributions.get(params["Id"])
        if kept is None:
            return None
        return {
            **answer,
            "DistributionConfig": overlay(answer["DistributionConfig"], kept["DistributionConfig"]),
        }

    def distributions_listed(self, _params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | None:
        listing = answer["DistributionList"]
        summaries = []
        for summary in listing.get("Items", []):
            kept = self.distributions.get(summary["Id"], {}).get("DistributionConfig", {})
            asked = {k: v for k, v in kept.items() if k in summary}
            # moto's summaries lack Staging, which CloudFront always answers
            summaries.append({"Staging": kept.get("Staging", False), **overlay(summary, asked)})
        return {**answer, "DistributionList": {**listing, "Items": summaries}} if summaries else None

    def distribution_for(self, host: str) -> dict[str, Any] | None:
        """The distribution a viewer reaches at `host`: its domain name or one of its aliases."""
        host = host.lower()
        with self.lock:
            for distribution in self.distributions.values():
                aliases = distribution["DistributionConfig"].get("Aliases", {}).get("Items", [])
                if host == distribution["DomainName"].lower() or host in (a.lower() for a in aliases):
                    return distribution
        return None


def overlay(moto: Any, asked: Any) -> Any:
    """moto's answer with what was asked for laid over it: moto's defaults stay where nothing was
    asked, lists of structures (origins, behaviours) are laid over item by item."""
    if isinstance(moto, dict) and isinstance(asked, dict):
        return {**moto, **{k: overlay(moto.get(k), v) for k, v in asked.items()}}
    if (
        isinstance(moto, list)
        and isinstance(asked, list)
        and len(moto) == len(asked)
        and all(isinstance(v, dict) for v in asked)
    ):
        return [overlay(m, a) for m, a in zip(moto, asked, strict=True)]
    return asked


def _view(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in policy.items() if not k.startswith("_")}


def _policy_ids(config: dict[str, Any], kind: str) -> set[str]:
    behaviors = [config.get("DefaultCacheBehavior") or {}, *config.get("CacheBehaviors", {}).get("Items", [])]
    return {b[f"{kind}Id"] for b in behaviors if b.get(f"{kind}Id")}


def cloudfront_emulator(state: CloudFrontState) -> Emulator:
    names = [
        "CreateCachePolicy",
        "GetCachePolicy",
        "GetCachePolicyConfig",
        "ListCachePolicies",
        "DeleteCachePolicy",
        "CreateResponseHeadersPolicy",
        "GetResponseHeadersPolicy",
        "GetResponseHeadersPolicyConfig",
        "ListResponseHeadersPolicies",
        "DeleteResponseHeadersPolicy",
    ]
    emulator = Emulator.serving("cloudfront", state, names)
    emulator.observers = {
        "CreateDistribution": state.distribution_created,
        "CreateDistributionWithTags": state.distribution_created_with_tags,
        "UpdateDistribution": state.distribution_updated,
        "DeleteDistribution": state.distribution_deleted,
        "GetDistribution": state.distribution_answered,
        "GetDistributionConfig": state.distribution_config_answered,
        "ListDistributions": state.distributions_listed,
    }
    return emulator
