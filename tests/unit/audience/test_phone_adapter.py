"""The PhoneNumberValidate adapter against botocore's model (Stubber checks the request shape):
answers passed through, throttling recognised by its error code, other errors named."""

import pytest
from engage.errors import EngageError, ThrottledError, ValidationError


def test_the_request_carries_the_number_and_its_country(stubbed):
    validator, stubber = stubbed
    answer = {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": "+447911123456", "CountryCodeIso2": "GB"}
    stubber.add_response(
        "phone_number_validate",
        {"NumberValidateResponse": answer},
        {"NumberValidateRequest": {"PhoneNumber": "+447911123456", "IsoCountryCode": "GB"}},
    )
    assert validator.validate("+447911123456", "GB") == answer


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("TooManyRequestsException", ThrottledError),
        ("BadRequestException", ValidationError),
        ("InternalServerErrorException", EngageError),
    ],
)
def test_errors_are_told_apart_by_code(stubbed, code, raised):
    validator, stubber = stubbed
    stubber.add_client_error("phone_number_validate", service_error_code=code, http_status_code=429)
    with pytest.raises(raised) as caught:
        validator.validate("+12065550100", None)
    assert (caught.type is ThrottledError) == (code == "TooManyRequestsException")
