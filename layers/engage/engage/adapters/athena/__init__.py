"""AWS athena adapters."""
