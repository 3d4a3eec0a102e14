"""Applications (Pinpoint's projects): the scope of every endpoint, segment, campaign, job and
consent decision, with their application-wide settings."""

from engage.applications.model import (
    APPLICATION_ID,
    KEEP_ID_TAG,
    MAX_APPLICATIONS,
    application_arn_prefix,
    new_application,
    settings_resource,
    updated_settings,
    with_settings,
)
from engage.applications.service import (
    Applications,
    ApplicationStore,
    ChannelSwitches,
    EventStreamDestinations,
    KnownApplications,
)

__all__ = [
    "APPLICATION_ID",
    "KEEP_ID_TAG",
    "MAX_APPLICATIONS",
    "ApplicationStore",
    "Applications",
    "ChannelSwitches",
    "EventStreamDestinations",
    "KnownApplications",
    "application_arn_prefix",
    "new_application",
    "settings_resource",
    "updated_settings",
    "with_settings",
]
