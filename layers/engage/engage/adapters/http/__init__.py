"""AWS http adapters."""
