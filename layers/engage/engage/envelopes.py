"""What a queue message carries: the JSON document SNS delivered, whether the subscription uses raw
delivery (the body is the document) or not (the document is the envelope's Message)."""

from __future__ import annotations

import json
from typing import Any


def sns_document(body: str) -> Any:
    document = json.loads(body)
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        return json.loads(document["Message"])
    return document
