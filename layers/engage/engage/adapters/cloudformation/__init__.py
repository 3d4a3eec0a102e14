"""AWS cloudformation adapters."""
