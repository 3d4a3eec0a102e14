"""A campaign FILTER hook as a customer writes one: it gets Pinpoint's hook payload and returns the
Endpoints map to send. It leaves out endpoints whose `Hook` attribute is "drop", adds an `Offer`
attribute to the rest, tries to redirect those marked "redirect" (the workflow must not follow),
and waits `HookDelay` seconds when an endpoint asks (to keep a run busy while a test cancels it)."""

import time


def handler(event, context):
    endpoints = event["Endpoints"]
    delays = [float((e.get("Attributes") or {}).get("HookDelay", ["0"])[0]) for e in endpoints.values()]
    time.sleep(max(delays, default=0))
    kept = {}
    for endpoint_id, endpoint in endpoints.items():
        attributes = endpoint.get("Attributes") or {}
        mark = attributes.get("Hook", [""])[0]
        if mark == "drop":
            continue
        changed = {**endpoint, "Attributes": {**attributes, "Offer": ["15%"]}}
        if mark == "redirect":
            changed["Address"] = "+12065559999"
        kept[endpoint_id] = changed
    print(f"hook {event['CampaignId']}/{event['TreatmentId']}: kept {len(kept)} of {len(endpoints)}")
    return kept
