"""AWS scheduler adapters."""
