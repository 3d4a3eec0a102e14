"""AWS pinpoint adapters."""
