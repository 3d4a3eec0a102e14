"""One-click unsubscribe's pages (RFC 8058): POST with the token opts the recipient out at once
(mailbox providers send it when the user clicks "unsubscribe", with the body
`List-Unsubscribe=One-Click`); GET only shows a page with a button that POSTs, because link scanners
and prefetchers GET every link in a message and must not unsubscribe anyone. A forged, altered or
expired token gets the same 400 page, which never says why. The token and what carrying it out
means are engage.sending.unsubscribe's."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engage import clock
from engage.contacts.model import now_iso
from engage.errors import ValidationError
from engage.events import EventStream
from engage.obs import logger, metrics
from engage.sending import unsubscribe

PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=robots content=noindex>"
    "<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
)


@dataclass(frozen=True)
class Page:
    status: int
    title: str
    body: str  # HTML

    @property
    def html(self) -> str:
        return PAGE.format(title=html.escape(self.title), body=self.body)


INVALID = Page(400, "This unsubscribe link is not valid", "<p>Use the link from the most recent message.</p>")
DONE = Page(200, "You are unsubscribed", "<p>You will not receive these messages any more.</p>")


class OneClickUnsubscribe:
    def __init__(
        self,
        keys: Callable[[], Sequence[bytes]],
        endpoints: unsubscribe.Endpoints,
        consent: unsubscribe.ConsentWriter,
        stream: EventStream,
        clock: Callable[[], float] = clock.time,
        recorded_at: Callable[[], str] = now_iso,
    ) -> None:
        """`keys()`: the unsubscribe secret's signing keys, read for each token."""
        self.keys, self.endpoints, self.consent, self.stream = keys, endpoints, consent, stream
        self.clock, self.recorded_at = clock, recorded_at

    def confirm(self, token: str) -> Page:
        """GET: the page whose button POSTs the token; nothing changes."""
        if self._claim(token) is None:
            return INVALID
        escaped = html.escape(token, quote=True)
        form = (
            f'<form method=post action="?token={escaped}">'
            '<input type=hidden name="List-Unsubscribe" value="One-Click">'
            "<button type=submit>Unsubscribe</button></form>"
        )
        return Page(200, "Unsubscribe from these messages?", form)

    def unsubscribe(self, token: str) -> Page:
        """POST: the recipient unsubscribed (counted as Unsubscribed, logged by application and
        endpoint)."""
        claim = self._claim(token)
        if claim is None:
            return INVALID
        unsubscribe.apply(claim, self.endpoints, self.consent, self.stream, self.recorded_at())
        metrics.add_metric(name="Unsubscribed", unit="Count", value=1)
        logger.info("unsubscribed", extra={"application_id": claim.app_id, "endpoint_id": claim.endpoint_id})
        return DONE

    def _claim(self, token: str) -> unsubscribe.Unsubscription | None:
        """The token's unsubscription; None (counted as UnsubscribeRefused) when it is not valid."""
        try:
            return unsubscribe.verify(token, self.keys(), int(self.clock()))
        except (ValidationError, ValueError):
            metrics.add_metric(name="UnsubscribeRefused", unit="Count", value=1)
            return None
