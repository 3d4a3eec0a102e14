"""AWS sms_voice adapters."""
