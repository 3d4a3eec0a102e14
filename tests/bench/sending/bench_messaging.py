"""Template rendering throughput: an email template of three parts (subject, HTML with a loop,
text) rendered for 10,000 endpoints."""

from __future__ import annotations

import time

from engage.templates.model import Templates, render_template

from devtools.bench import Figure, size
from tests.support.fakes import MemoryTemplates


def bench_template_rendering() -> list[Figure]:
    templates = Templates(MemoryTemplates())
    template = templates.create(
        "EMAIL",
        "bench",
        {
            "Subject": "{{User.UserAttributes.FirstName}}, your {{Attributes.Plan}} offer",
            "HtmlPart": "<p>Hi {{User.UserAttributes.FirstName}}</p><ul>{{#each Attributes.Interests}}"
            "<li>{{this}}</li>{{/each}}</ul><p>{{Attributes.Coupon}}</p>",
            "TextPart": "Hi {{User.UserAttributes.FirstName}}, use {{Attributes.Coupon}}",
            "DefaultSubstitutions": '{"Attributes.Coupon": "WELCOME10"}',
        },
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
    started = time.perf_counter()
    for endpoint in endpoints:
        render_template(template, endpoint)
    seconds = time.perf_counter() - started
    return [Figure("email template rendering (3 parts, one loop)", len(endpoints) / seconds, "messages/s")]
