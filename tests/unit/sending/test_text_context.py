"""An SMS or voice message's context within End User Messaging's limits (engage.sending.text_context)."""

import botocore.session
import pytest
from engage.errors import ValidationError
from engage.sending.text_context import pack, unpack

TAGS = {
    "application_id": "app",
    "request_id": "c-1",
    "endpoint_id": "ep-1",
    "campaign_id": "c-1",
    "campaign_activity_id": "a-1",
    "treatment_id": "0",
    "retry_of": "m-0",
    "message_id": "m-1",
}


def test_a_packed_context_fits_the_models_limits_and_unpacks_to_every_tag():
    shape = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    limits = shape.operation_model("SendTextMessage").input_shape.members["Context"]
    context = pack(TAGS)
    assert len(context) <= limits.metadata["max"] == 5
    assert all(len(v) <= limits.value.metadata["max"] for v in context.values())
    assert unpack(context) == TAGS


def test_an_unpacked_context_as_older_sends_wrote_it_reads_as_it_is():
    assert unpack({"application_id": "app", "retry_attempt": "2"}) == {
        "application_id": "app",
        "retry_attempt": "2",
    }
    assert unpack({"tags": "not json", "endpoint_id": "ep"}) == {"endpoint_id": "ep"}
    assert unpack(None) == {}


def test_a_value_too_long_for_the_channel_is_refused_before_the_call():
    with pytest.raises(ValidationError, match="800"):
        pack({"application_id": "a", "campaign_id": "c" * 900})
