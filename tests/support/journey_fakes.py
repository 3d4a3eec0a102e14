"""In-memory stand-ins for the journey engine's ports (engage.journeys.flow), for unit tests and the
benchmark: participants, queues, wakes, journeys and contacts."""

from __future__ import annotations

import json
from dataclasses import replace

from engage.errors import NotFoundError
from engage.journeys.metrics import counter, iso, send_status
from engage.journeys.participants import JourneyClock


class MemoryParticipants:
    def __init__(self):
        self.items = {}  # (app, journey, key): Participant
        self.clocks = {}
        self.events = {}
        self.counters = {}  # (app, journey, run): {counter: n}
        self.run_items = {}  # (app, journey): {run id: run}

    def get(self, app_id, journey_id, key):
        return self.items.get((app_id, journey_id, key))

    def put(self, app_id, journey_id, participant, counts=None):
        current = self.items.get((app_id, journey_id, participant.key))
        if (current.version if current else 0) != participant.version:
            return False
        self.items[(app_id, journey_id, participant.key)] = replace(
            participant, version=participant.version + 1
        )
        self.add_counts(app_id, journey_id, participant.run, counts or {})
        return True

    def add_counts(self, app_id, journey_id, run, counts):
        kept = self.counters.setdefault((app_id, journey_id, run), {})
        for name, n in counts.items():
            kept[name] = kept.get(name, 0) + n

    def counts(self, app_id, journey_id, run=None):
        total = {}
        for (a, j, r), kept in self.counters.items():
            if (a, j) == (app_id, journey_id) and run in (None, r):
                for name, n in kept.items():
                    total[name] = total.get(name, 0) + n
        return total

    def start_run(self, app_id, journey_id, run, wall):
        at = iso(wall)  # as the DynamoDB store writes it
        runs = self.run_items.setdefault((app_id, journey_id), {})
        runs.setdefault(run, {"RunId": run, "Status": "RUNNING", "CreationTime": at, "LastUpdateTime": at})

    def runs(self, app_id, journey_id):
        found = self.run_items.get((app_id, journey_id), {}).values()
        return sorted(found, key=lambda r: (r["CreationTime"], r["RunId"]))

    def end_runs(self, app_id, journey_id, status, wall):
        for run in self.run_items.get((app_id, journey_id), {}).values():
            if run["Status"] == "RUNNING":
                run.update(Status=status, LastUpdateTime=iso(wall))

    def due(self, app_id, journey_id, until, limit):
        found = sorted(
            (p for (a, j, _), p in self.items.items() if (a, j) == (app_id, journey_id) and p.in_journey),
            key=lambda p: p.due_at or 0,
        )
        return [p for p in found if until is None or (p.due_at or 0) <= until][:limit]

    def next_due(self, app_id, journey_id, after):
        later = [p.due_at for p in self.due(app_id, journey_id, None, 10**9) if (p.due_at or 0) > after]
        return min(later) if later else None

    def all(self, app_id, journey_id):
        return iter([p for (a, j, _), p in self.items.items() if (a, j) == (app_id, journey_id)])

    def record_event(self, app_id, event):
        kept = self.events.setdefault(
            (app_id, event.journey_id, event.participant, event.entry, event.activity_id), set()
        )
        if (event.endpoint_id, event.event_type) in kept:
            return False
        kept.add((event.endpoint_id, event.event_type))
        status = send_status(event.event_type)
        if status:
            self.add_counts(app_id, event.journey_id, event.run, {counter(event.activity_id, status): 1})
        return True

    def events_of(self, app_id, journey_id, key, entry, activity_id):
        return {t for _, t in self.events.get((app_id, journey_id, key, entry, activity_id), set())}

    def clock(self, app_id, journey_id):
        return self.clocks.get((app_id, journey_id), JourneyClock())

    def set_clock(self, app_id, journey_id, clock):
        self.clocks[(app_id, journey_id)] = clock


class MemoryQueue:
    def __init__(self, refuse=False):
        self.bodies = []
        self.refuse = refuse

    def enqueue(self, bodies):
        if self.refuse:
            return [None] * len(bodies)
        self.bodies.extend(bodies)
        return [str(i) for i, _ in enumerate(bodies)]

    def take(self):
        taken, self.bodies = [json.loads(b) for b in self.bodies], []
        return taken


class MemoryWakes:
    def __init__(self):
        self.armed = []

    def arm(self, app_id, journey_id, at):
        self.armed.append((journey_id, at))


class MemoryJourneys:
    def __init__(self, *journeys):
        self.journeys = {(j["ApplicationId"], j["Id"]): j for j in journeys}

    def get(self, app_id, journey_id):
        try:
            return self.journeys[(app_id, journey_id)]
        except KeyError:
            raise NotFoundError(f"journey {journey_id} does not exist") from None

    def list(self, app_id):
        return [j for (a, _), j in self.journeys.items() if a == app_id]


class MemoryContacts:
    def __init__(self, *endpoints):
        self.endpoints = {e["Id"]: e for e in endpoints}
        self.users = {}
        for endpoint in endpoints:
            user = (endpoint.get("User") or {}).get("UserId")
            if user:
                self.users.setdefault(user, []).append(endpoint)

    def get(self, app_id, endpoint_id):
        try:
            return self.endpoints[endpoint_id]
        except KeyError:
            raise NotFoundError(f"endpoint {endpoint_id} does not exist") from None

    def get_user_endpoints(self, app_id, user):
        return list(self.users.get(user, []))
