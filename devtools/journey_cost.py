"""The journey engine's AWS cost per million participants and the time a million take to enter, from
the requests counted per participant on the engine's own adapters (tests/bench/journeys: the
DynamoDB, SQS and EventBridge Scheduler calls it makes, on moto) and the engine's CPU time per step
(in memory), at list prices.

Prices are us-east-1 list prices (on-demand DynamoDB after its November 2024 reduction, Lambda on
arm64, SQS standard, Step Functions standard, EventBridge Scheduler); channel fees (SES, SMS) are
not included. What is an estimate rather than a count is named here: the bytes a Query reads, the
latency of each AWS request a function waits on, and the send path's own work per message (the
ledger, consent and suppression reads, the sender's time), which belongs to every message a
campaign sends too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- list prices (USD) ------------------------------------------------------------------------
WRU = 0.625 / 1e6  # DynamoDB on-demand write request unit
RRU = 0.125 / 1e6  # DynamoDB on-demand read request unit
LAMBDA_GB_SECOND = 0.0000133334  # arm64
LAMBDA_REQUEST = 0.20 / 1e6
SQS_REQUEST = 0.40 / 1e6  # standard queue, per 64 KB chunk
STATE_TRANSITION = 25.0 / 1e6  # Step Functions standard
SCHEDULER_INVOCATION = 1.0 / 1e6

# --- estimates ---------------------------------------------------------------------------------
LATENCY_SECONDS = {"dynamodb": 0.006, "sqs": 0.012, "scheduler": 0.030}  # a request waited on
ITEM_BYTES = 350  # a participant item as stored (key, state, index attributes)
MEMORY_GB = 0.5  # the journey functions' MemorySize
ENTRY_PART = 1000  # endpoints per entry part (JourneyPartSize)
PART_TRANSITIONS = 4  # a Distributed Map child: its task, retries aside
WORKFLOW_TRANSITIONS = 6  # the entry workflow's own states
STEP_MESSAGES_PER_INVOCATION = 10  # the step queue's BatchSize
# The send path per message (SendQueue -> sender): the ledger's claim and finish, the endpoint,
# consent and suppression reads, its share of the send queue's requests, and the
# sender's time. The same for a campaign's message; estimated, not counted by this benchmark.
SEND_PATH_WRU = 2.0  # the ledger's claim and finish (caps add one each when set)
SEND_PATH_RRU = 3.0
SEND_PATH_SQS = 0.3
SEND_PATH_LAMBDA_SECONDS = 0.04
# Default account quotas the entry time is modelled at.
ENTRY_CONCURRENCY = 50  # JourneyEntryConcurrency (the Map's MaxConcurrency)
STEP_CONCURRENCY = 50  # JourneyStepConcurrency (the step queue's MaximumConcurrency)
TABLE_WRITE_LIMIT = 4000.0  # WRU/s a new on-demand table takes at once


@dataclass
class Counted:
    """What the benchmark counted for `participants` participants through a journey."""

    participants: int
    messages: int  # sends queued (each goes down the send path)
    dynamodb: dict[str, int] = field(default_factory=dict)  # requests by operation
    query_items: int = 0  # items the Query calls returned
    index_writes: int = 0  # due-index entries written or removed (a moved entry is two)
    transact_items: int = 0  # items written in transactions (a participant with its counters)
    sqs: dict[str, int] = field(default_factory=dict)
    scheduler: dict[str, int] = field(default_factory=dict)
    wakes: int = 0  # wakes that fired (scheduled invocations)
    step_invocations: int = 0  # step function invocations (batches of step messages)
    cpu_seconds_per_step: float = 0.0  # the engine's own time per participant step, in memory
    steps: int = 0  # participant steps taken
    entry_requests: dict[str, int] = field(default_factory=dict)  # of the entry alone, by service


def write_units(counted: Counted) -> float:
    """A participant item (and a counters item) is under 1 KB: one unit per write, two per item
    written in a transaction (DynamoDB's price of a transactional write), and one per index entry
    written or removed."""
    single = sum(counted.dynamodb.get(op, 0) for op in ("PutItem", "DeleteItem", "UpdateItem"))
    return single + 2 * counted.transact_items + counted.index_writes


def read_units(counted: Counted) -> float:
    gets = counted.dynamodb.get("GetItem", 0)
    queries = counted.dynamodb.get("Query", 0)
    return gets + queries * 0.5 + counted.query_items * ITEM_BYTES / 4096


def lambda_seconds(counted: Counted) -> float:
    waiting = sum(
        n * LATENCY_SECONDS[service]
        for service, calls in (
            ("dynamodb", counted.dynamodb),
            ("sqs", counted.sqs),
            ("scheduler", counted.scheduler),
        )
        for n in calls.values()
    )
    return waiting + counted.cpu_seconds_per_step * counted.steps


def per_million(counted: Counted) -> dict[str, float]:
    """USD per million participants, by part, and in all."""
    scale = 1e6 / counted.participants
    parts = -(-1_000_000 // ENTRY_PART)  # a million participants' entry parts
    invocations = (counted.step_invocations + counted.wakes) * scale + parts + 1
    engine = {
        "dynamodb": (write_units(counted) * WRU + read_units(counted) * RRU) * scale,
        "lambda": lambda_seconds(counted) * scale * MEMORY_GB * LAMBDA_GB_SECOND
        + invocations * LAMBDA_REQUEST,
        "sqs": sum(counted.sqs.values()) * SQS_REQUEST * scale,
        "step_functions": (parts * PART_TRANSITIONS + WORKFLOW_TRANSITIONS) * STATE_TRANSITION,
        # Wakes are per journey and minute, not per participant: scaling a small run's few up to a
        # million participants overstates them.
        "scheduler": counted.wakes * SCHEDULER_INVOCATION * scale,
    }
    messages = counted.messages * scale
    send_path = messages * (
        SEND_PATH_WRU * WRU
        + SEND_PATH_RRU * RRU
        + SEND_PATH_SQS * SQS_REQUEST
        + SEND_PATH_LAMBDA_SECONDS * MEMORY_GB * LAMBDA_GB_SECOND
    )
    engine_total = sum(engine.values())
    return {**engine, "engine": engine_total, "send_path": send_path, "total": engine_total + send_path}


def entry_minutes(counted: Counted, participants: float = 1e6) -> float:
    """Minutes for `participants` to enter and take their first steps at the default quotas: the
    entry parts at the Map's concurrency, the first steps at the step queue's, neither above what a
    new on-demand table takes at once."""
    scale = participants / counted.participants
    entry = counted.entry_requests
    entry_seconds = (
        sum(n * LATENCY_SECONDS[service] for service, n in entry.items()) * scale / ENTRY_CONCURRENCY
    )
    first_steps = participants * (
        counted.cpu_seconds_per_step
        + (lambda_seconds(counted) - counted.cpu_seconds_per_step * counted.steps) / max(counted.steps, 1)
    )
    step_seconds = first_steps / STEP_CONCURRENCY
    writes = write_units(counted) / counted.participants / 3  # a third of a participant's writes: its entry
    table_seconds = participants * writes / TABLE_WRITE_LIMIT
    return max(entry_seconds + step_seconds, table_seconds) / 60
