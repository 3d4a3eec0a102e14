"""AWS lambda_ adapters."""
