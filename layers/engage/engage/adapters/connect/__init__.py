"""AWS connect adapters."""
