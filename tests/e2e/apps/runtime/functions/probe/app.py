"""A probe function for the local stack's own tests: reports what its execution environment sees."""

import importlib.util
import json
import os
import tempfile
import time


def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise RuntimeError(event["fail"])
    if event.get("exit"):
        os._exit(3)
    if event.get("unserialisable"):
        return {"value": object()}
    if isinstance(event.get("Endpoints"), dict):  # a custom channel's delivery (ids only: no PII in logs)
        print(f"custom delivery of {','.join(sorted(event['Endpoints']))} with data {event.get('Data')}")
        answer = _custom_answer(event)
        if answer is not None:
            return answer
    print(f"probe {context.function_name} handled {event.get('label', 'an event')}")
    return {
        "label": event.get("label"),
        "var": os.environ.get("VAR"),
        "shared": os.environ.get("SHARED"),
        "greeting": os.environ.get("GREETING"),
        "child_topic": os.environ.get("CHILD_TOPIC"),
        "pid": os.getpid(),
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "engage_layer": importlib.util.find_spec("engage") is not None,
        "cwd": os.getcwd(),
    }


def _custom_answer(event):
    """A custom channel's per-endpoint answer, when the campaign's Data asks for one:
    {"answer": {endpoint id: status or {"DeliveryStatus", "StatusMessage"}}}; {"sleep": seconds}
    first sleeps that long. "THROTTLED_ONCE:<n>"
    answers THROTTLED the first time endpoint and n are seen, SENT after."""
    try:
        asked = json.loads(event.get("Data") or "")
    except (ValueError, TypeError):
        return None
    if not isinstance(asked, dict):
        return None
    if asked.get("sleep"):  # a slow channel: longer than the function's timeout, it never answers
        time.sleep(asked["sleep"])
    wanted = asked.get("answer")
    if not isinstance(wanted, dict):
        return None
    answer = {}
    for endpoint_id in event["Endpoints"]:
        status = wanted.get(endpoint_id)
        if isinstance(status, str) and status.startswith("THROTTLED_ONCE:"):
            marker = os.path.join(tempfile.gettempdir(), f"probe-{endpoint_id}-{status.split(':', 1)[1]}")
            status = "SENT" if os.path.exists(marker) else "THROTTLED"
            open(marker, "a").close()
        if status is not None:
            answer[endpoint_id] = status
    return answer
