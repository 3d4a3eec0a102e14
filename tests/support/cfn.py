"""CloudFormation's side of a custom resource, for tests that invoke its function directly: a local
ResponseURL that keeps every answer the function PUTs there."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@contextmanager
def cfn_answers() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(response_url, answers): the answers arrive in order while the context is open."""
    answers: list[dict[str, Any]] = []

    class Answer(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/answer", answers
    finally:
        server.shutdown()
        server.server_close()
