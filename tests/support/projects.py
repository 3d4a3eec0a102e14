"""A project (one application behind a Pinpoint-compatible API: engage.copying.project's Project port)
in memory, for the copying tests."""

from __future__ import annotations

import copy
import itertools

from engage.copying.project import ProjectCallError

_ids = itertools.count(1)


class MemoryProject:
    def __init__(self, region: str, app_id: str, endpoint: str, templates: dict | None = None) -> None:
        self.label, self.endpoint = f"{region}/{app_id}", endpoint
        self.segment_items: dict[str, dict] = {}
        self.campaign_items: dict[str, dict] = {}
        self.journey_items: dict[str, dict] = {}
        self.template_items = templates if templates is not None else {}
        self.writes: list[tuple[str, str]] = []
        self.fail_on: set[str] = set()

    def _write(self, operation: str, name: str) -> None:
        if operation in self.fail_on:
            raise ProjectCallError(f"{operation} on {self.label}: BadRequestException: refused")
        self.writes.append((operation, name))

    def segments(self):
        return [copy.deepcopy(s) for s in self.segment_items.values()]

    def campaigns(self):
        return [copy.deepcopy(c) for c in self.campaign_items.values()]

    def templates(self):
        return [copy.deepcopy(t) for t in self.template_items.values()]

    def template(self, ref):
        found = self.template_items.get(str(ref))
        return copy.deepcopy(found) if found else None

    def create_segment(self, request, segment_type="DIMENSIONAL"):
        self._write("create_segment", request["Name"])
        segment = {
            **copy.deepcopy(request),
            "Id": f"seg{next(_ids)}",
            "SegmentType": segment_type,
            "Version": 1,
        }
        self.segment_items[segment["Id"]] = segment
        return segment

    def update_segment(self, segment_id, request):
        self._write("update_segment", segment_id)
        current = self.segment_items[segment_id]
        self.segment_items[segment_id] = {
            **copy.deepcopy(request),
            "Id": segment_id,
            "SegmentType": "DIMENSIONAL",
            "Version": current["Version"] + 1,
        }
        return self.segment_items[segment_id]

    def delete_segment(self, segment_id):
        self._write("delete_segment", segment_id)
        del self.segment_items[segment_id]

    def create_campaign(self, request):
        self._write("create_campaign", request.get("Name", ""))
        campaign = {
            **copy.deepcopy(request),
            "Id": f"cmp{next(_ids)}",
            "Version": 1,
            "State": {"CampaignStatus": "x"},
        }
        self.campaign_items[campaign["Id"]] = campaign
        return campaign

    def update_campaign(self, campaign_id, request):
        self._write("update_campaign", campaign_id)
        self.campaign_items[campaign_id] = {**copy.deepcopy(request), "Id": campaign_id, "Version": 2}
        return self.campaign_items[campaign_id]

    def delete_campaign(self, campaign_id):
        self._write("delete_campaign", campaign_id)
        del self.campaign_items[campaign_id]

    def create_template(self, ref, request):
        self._write("create_template", str(ref))
        self.template_items[str(ref)] = {
            **copy.deepcopy(request),
            "TemplateName": ref.name,
            "TemplateType": ref.kind,
        }

    def update_template(self, ref, request):
        self._write("update_template", str(ref))
        self.template_items[str(ref)] = {
            **copy.deepcopy(request),
            "TemplateName": ref.name,
            "TemplateType": ref.kind,
        }

    def delete_template(self, ref):
        self._write("delete_template", str(ref))
        del self.template_items[str(ref)]

    def journeys(self):
        return [copy.deepcopy(j) for j in self.journey_items.values()]

    def create_journey(self, request):
        self._write("create_journey", request.get("Name", ""))
        journey = {**copy.deepcopy(request), "Id": f"jny{next(_ids)}", "State": request.get("State", "DRAFT")}
        self.journey_items[journey["Id"]] = journey
        return journey

    def update_journey(self, journey_id, request):
        self._write("update_journey", journey_id)
        state = self.journey_items[journey_id]["State"]
        self.journey_items[journey_id] = {**copy.deepcopy(request), "Id": journey_id, "State": state}
        return self.journey_items[journey_id]

    def delete_journey(self, journey_id):
        self._write("delete_journey", journey_id)
        del self.journey_items[journey_id]
