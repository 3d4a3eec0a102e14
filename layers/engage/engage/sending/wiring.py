"""The sending area's composition root: the send queue's consumer and the direct sends, built on the
send path every area shares (engage.runtime's services: the one sender, its policy, the send
queue)."""

from __future__ import annotations

import functools

from engage.runtime import services
from engage.sending.direct import DirectSends
from engage.sending.queued import Holding
from engage.sending.sender import Sender


def sender() -> Sender:
    """The one sender, with this invocation's policy."""
    return services.ready_sender()


@functools.cache
def holding() -> Holding:
    """Where the send queue's consumer puts held sends: back on its own queue, delayed."""
    return Holding(services.send_queue, float(services.settings.send_max_paused_hours) * 3600)


@functools.cache
def _direct_sends() -> DirectSends:
    return DirectSends(
        services.contacts, services.consent, services.suppression, services.sender, services.address_pseudonym
    )


def direct_sends() -> DirectSends:
    """SendMessages and SendUsersMessages, sent before the API answers, with this invocation's policy."""
    services.ready_sender()
    return _direct_sends()
