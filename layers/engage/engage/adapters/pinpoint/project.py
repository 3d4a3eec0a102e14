"""One application behind a Pinpoint-compatible API (this product's, in any region), through
boto3's pinpoint client (engage.adapters.pinpoint.client): the Project port of engage.copying.project.
Listings are read page by page; a failed call becomes ProjectCallError with the call and the
service's reason; a template that does not exist is None. Updates do not carry tags (Pinpoint stopped
processing them in 2023) and WriteJourneyRequest has none: a copy's tags are set with TagResource
and UntagResource, by the resource's ARN."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from engage.copying.project import ProjectCallError, TemplateRef

# TemplateType -> (the operation suffix, the request member, the response member)
TEMPLATE_OPERATIONS = {
    "EMAIL": ("email_template", "EmailTemplateRequest", "EmailTemplateResponse"),
    "SMS": ("sms_template", "SMSTemplateRequest", "SMSTemplateResponse"),
    "VOICE": ("voice_template", "VoiceTemplateRequest", "VoiceTemplateResponse"),
    "PUSH": ("push_template", "PushNotificationTemplateRequest", "PushNotificationTemplateResponse"),
    "INAPP": ("in_app_template", "InAppTemplateRequest", "InAppTemplateResponse"),
}
PAGE_SIZE = "100"


class PinpointProject:
    def __init__(self, client: Any, app_id: str, region: str, endpoint: str) -> None:
        self.client = client
        self.app_id = app_id
        self.label = f"{region}/{app_id}"
        self.endpoint = endpoint
        self._app_arn = ""

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ProjectCallError(
                f"{operation} on {self.label}: {error.get('Code')}: {error.get('Message')}"
            ) from None
        except BotoCoreError as exc:
            raise ProjectCallError(f"{operation} on {self.label}: {exc}") from None

    def _pages(
        self, operation: str, member: str, cursor: str = "Token", **request: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a listing; ListTemplates names its cursor NextToken, the others Token."""
        token = None
        while True:
            answer = self._call(
                operation, PageSize=PAGE_SIZE, **request, **({cursor: token} if token else {})
            )
            yield from answer[member].get("Item", [])
            token = answer[member].get("NextToken")
            if not token:
                return

    def segments(self) -> list[dict[str, Any]]:
        return list(self._pages("get_segments", "SegmentsResponse", ApplicationId=self.app_id))

    def campaigns(self) -> list[dict[str, Any]]:
        return list(self._pages("get_campaigns", "CampaignsResponse", ApplicationId=self.app_id))

    def templates(self) -> list[dict[str, Any]]:
        return list(self._pages("list_templates", "TemplatesResponse", cursor="NextToken"))

    def template(self, ref: TemplateRef) -> dict[str, Any] | None:
        suffix, _request, response = TEMPLATE_OPERATIONS[ref.kind]
        try:
            return getattr(self.client, f"get_{suffix}")(TemplateName=ref.name)[response]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return None
            raise ProjectCallError(f"get_{suffix} on {self.label}: {exc}") from None

    def create_segment(self, request: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._call("create_segment", ApplicationId=self.app_id, WriteSegmentRequest=dict(request))
        return answer["SegmentResponse"]

    def update_segment(self, segment_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._call(
            "update_segment",
            ApplicationId=self.app_id,
            SegmentId=segment_id,
            WriteSegmentRequest=dict(request),
        )
        self._retag(f"segments/{segment_id}", request)
        return answer["SegmentResponse"]

    def delete_segment(self, segment_id: str) -> None:
        self._call("delete_segment", ApplicationId=self.app_id, SegmentId=segment_id)

    def create_campaign(self, request: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._call("create_campaign", ApplicationId=self.app_id, WriteCampaignRequest=dict(request))
        return answer["CampaignResponse"]

    def update_campaign(self, campaign_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._call(
            "update_campaign",
            ApplicationId=self.app_id,
            CampaignId=campaign_id,
            WriteCampaignRequest=dict(request),
        )
        self._retag(f"campaigns/{campaign_id}", request)
        return answer["CampaignResponse"]

    def delete_campaign(self, campaign_id: str) -> None:
        self._call("delete_campaign", ApplicationId=self.app_id, CampaignId=campaign_id)

    def create_template(self, ref: TemplateRef, request: Mapping[str, Any]) -> None:
        self._template_call("create", ref, request)

    def update_template(self, ref: TemplateRef, request: Mapping[str, Any]) -> None:
        """Replaces the active version, the one sends use (a new version would not be active)."""
        current = self.template(ref)
        if current is None:
            raise ProjectCallError(f"{ref.kind} template {ref.name} is gone from {self.label}")
        self._template_call("update", ref, request, Version=str(current["Version"]))
        self._retag(f"templates/{ref.name}/{ref.kind}", request)

    def journeys(self) -> list[dict[str, Any]]:
        return list(self._pages("list_journeys", "JourneysResponse", ApplicationId=self.app_id))

    def create_journey(self, request: Mapping[str, Any]) -> dict[str, Any]:
        write = {k: v for k, v in request.items() if k != "tags"}
        made = self._call("create_journey", ApplicationId=self.app_id, WriteJourneyRequest=write)[
            "JourneyResponse"
        ]
        self._retag(f"journeys/{made['Id']}", request)
        return made

    def update_journey(self, journey_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        write = {k: v for k, v in request.items() if k != "tags"}
        answer = self._call(
            "update_journey", ApplicationId=self.app_id, JourneyId=journey_id, WriteJourneyRequest=write
        )
        self._retag(f"journeys/{journey_id}", request)
        return answer["JourneyResponse"]

    def delete_journey(self, journey_id: str) -> None:
        self._call("delete_journey", ApplicationId=self.app_id, JourneyId=journey_id)

    def _arn(self, path: str) -> str:
        """A resource's ARN: the application's (read once) with `<kind>s/<id>`; a template's
        (`templates/<name>/<type>`) is the account's."""
        if not self._app_arn:
            self._app_arn = self._call("get_app", ApplicationId=self.app_id)["ApplicationResponse"]["Arn"]
        if path.startswith("templates/"):
            return f"{self._app_arn.split(':apps/')[0]}:{path}"
        return f"{self._app_arn}/{path}"

    def _retag(self, path: str, request: Mapping[str, Any]) -> None:
        """Makes the resource's tags the request's (when it names any)."""
        wanted = request.get("tags")
        if wanted is None:
            return
        arn = self._arn(path)
        current = self._call("list_tags_for_resource", ResourceArn=arn)["TagsModel"]["tags"]
        gone = [k for k in current if k not in wanted]
        if gone:
            self._call("untag_resource", ResourceArn=arn, TagKeys=gone)
        if wanted and any(current.get(k) != v for k, v in wanted.items()):
            self._call("tag_resource", ResourceArn=arn, TagsModel={"tags": dict(wanted)})

    def delete_template(self, ref: TemplateRef) -> None:
        suffix, _request, _response = TEMPLATE_OPERATIONS[ref.kind]
        self._call(f"delete_{suffix}", TemplateName=ref.name)

    def _template_call(self, verb: str, ref: TemplateRef, request: Mapping[str, Any], **extra: Any) -> None:
        suffix, member, _response = TEMPLATE_OPERATIONS[ref.kind]
        self._call(f"{verb}_{suffix}", TemplateName=ref.name, **{member: dict(request)}, **extra)


def projects(
    client_for: Callable[[str, str], Any], source: Mapping[str, str], target: Mapping[str, str]
) -> tuple[PinpointProject, PinpointProject]:
    """The two sides from {"ApiUrl", "Region", "ApplicationId"} each; `client_for(url, region)`
    builds a signed client."""
    return tuple(  # type: ignore[return-value]
        PinpointProject(
            client_for(side["ApiUrl"], side["Region"]), side["ApplicationId"], side["Region"], side["ApiUrl"]
        )
        for side in (source, target)
    )
