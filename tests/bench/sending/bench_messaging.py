"""Template rendering throughput: an email template of three parts (subject, HTML with a loop,
text) rendered for 10,000 endpoints, beside pybars' bare render of the same three parts (compiled
once) from plain contexts of the same values, built beforehand: the Handlebars library alone,
without Pinpoint's variables (attribute lists, default substitutions, escaping by part)."""

from __future__ import annotations

import time

from engage.templates.model import Templates, render_template

from devtools.bench import Figure, size
from tests.support.fakes import MemoryTemplates

PARTS = {
    "Subject": "{{User.UserAttributes.FirstName}}, your {{Attributes.Plan}} offer",
    "HtmlPart": "<p>Hi {{User.UserAttributes.FirstName}}</p><ul>{{#each Attributes.Interests}}"
    "<li>{{this}}</li>{{/each}}</ul><p>{{Attributes.Coupon}}</p>",
    "TextPart": "Hi {{User.UserAttributes.FirstName}}, use {{Attributes.Coupon}}",
}


def _bare_rate(endpoints: list[dict]) -> float:
    """Messages per second from pybars alone: the same parts compiled once, each rendered from a
    plain context of the endpoint's values and the default coupon (built before timing)."""
    import pybars

    compiler = pybars.Compiler()
    compiled = [compiler.compile(text) for text in PARTS.values()]
    contexts = [
        {
            "User": {"UserAttributes": {"FirstName": e["User"]["UserAttributes"]["FirstName"][0]}},
            "Attributes": {
                "Plan": e["Attributes"]["Plan"][0],
                "Interests": e["Attributes"]["Interests"],
                "Coupon": "WELCOME10",
            },
        }
        for e in endpoints
    ]
    started = time.perf_counter()
    for context in contexts:
        for part in compiled:
            str(part(context))
    return len(contexts) / (time.perf_counter() - started)


def bench_template_rendering() -> list[Figure]:
    templates = Templates(MemoryTemplates())
    template = templates.create(
        "EMAIL", "bench", {**PARTS, "DefaultSubstitutions": '{"Attributes.Coupon": "WELCOME10"}'}
    )
    endpoints = [
        {
            "Id": f"e{i}",
            "Address": f"user{i}@example.com",
            "Attributes": {"Plan": ["gold"], "Interests": ["golf", "tennis", "chess"]},
            "User": {"UserAttributes": {"FirstName": [f"Name{i}"]}},
        }
        for i in range(size(10_000, 100))
    ]
    render_template(template, endpoints[0])  # pybars' grammar is built on the first render
    started = time.perf_counter()
    for endpoint in endpoints:
        render_template(template, endpoint)
    seconds = time.perf_counter() - started
    bare = _bare_rate(endpoints)
    return [
        Figure(
            "email template rendering (3 parts, one loop)",
            len(endpoints) / seconds,
            "messages/s",
            bare,
            "pybars' bare render of the same three parts (compiled once) from plain contexts",
        )
    ]
