"""Contacts: Pinpoint's endpoint model and the store that replaces its retired endpoint API."""

from engage.contacts.model import DEFAULT_QUOTAS, Endpoint, Quotas
from engage.contacts.store import Change, ContactStore, EndpointRepository, Stored

__all__ = ["DEFAULT_QUOTAS", "Change", "ContactStore", "Endpoint", "EndpointRepository", "Quotas", "Stored"]
