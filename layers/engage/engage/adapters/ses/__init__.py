"""AWS ses adapters."""
