"""AWS kinesis adapters."""
