"""AWS sns adapters."""
