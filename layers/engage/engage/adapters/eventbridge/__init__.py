"""AWS eventbridge adapters."""
