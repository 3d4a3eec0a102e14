"""Checks before every send (engage.sending.eligibility): status, opt-out, consent, suppression,
and the transactional policy."""

import pytest
from engage.consent import consent_record
from engage.sending.eligibility import skip_reason
from engage.suppression import suppression

from tests.support.fakes import MemoryConsent, MemorySuppressions

APP = "elig"


Consent = MemoryConsent
Suppressions = MemorySuppressions


SMS = {"ChannelType": "SMS", "Address": "+12065550100"}
EMAIL = {"ChannelType": "EMAIL", "Address": "Ana@Example.com"}


def test_an_active_opted_in_unsuppressed_endpoint_may_be_sent_to():
    assert skip_reason(APP, SMS, Consent(), Suppressions()) is None


@pytest.mark.parametrize(
    ("endpoint", "consent", "suppressions", "reason"),
    [
        ({**SMS, "EndpointStatus": "INACTIVE"}, Consent(), Suppressions(), "INACTIVE_ENDPOINT"),
        ({"ChannelType": "SMS"}, Consent(), Suppressions(), "NO_ADDRESS"),
        ({**SMS, "OptOut": "ALL"}, Consent(), Suppressions(), "OPTED_OUT"),
        (
            SMS,
            Consent(consent_record(APP, "SMS", "+1 (206) 555-0100", "OPTED_OUT", "sms-keyword")),
            Suppressions(),
            "OPTED_OUT",
        ),
        (
            EMAIL,
            Consent(),
            Suppressions(suppression(APP, "EMAIL", "ana@example.com", "HARD_BOUNCE", "ses-feedback")),
            "SUPPRESSED_HARD_BOUNCE",
        ),
        (
            EMAIL,
            Consent(),
            Suppressions(suppression(APP, "EMAIL", "ANA@example.com", "COMPLAINT", "ses-feedback")),
            "SUPPRESSED_COMPLAINT",
        ),
    ],
)
def test_each_reason_not_to_send_is_named(endpoint, consent, suppressions, reason):
    assert skip_reason(APP, endpoint, consent, suppressions).reason == reason


def test_the_transactional_policy_covers_opt_outs_only_never_suppression():
    opted_out = Consent(consent_record(APP, "SMS", "+12065550100", "OPTED_OUT", "sms-keyword"))
    assert skip_reason(APP, SMS, opted_out, Suppressions(), transactional=True).reason == "OPTED_OUT"
    assert (
        skip_reason(APP, SMS, opted_out, Suppressions(), transactional=True, transactional_after_opt_out=True)
        is None
    )
    bounced = Suppressions(suppression(APP, "EMAIL", "ana@example.com", "HARD_BOUNCE", "ses-feedback"))
    assert skip_reason(
        APP, EMAIL, Consent(), bounced, transactional=True, transactional_after_opt_out=True
    ).reason == ("SUPPRESSED_HARD_BOUNCE")
    opted_in_again = Consent(consent_record(APP, "SMS", "+12065550100", "OPTED_IN", "sms-keyword"))
    assert skip_reason(APP, SMS, opted_in_again, Suppressions()) is None
