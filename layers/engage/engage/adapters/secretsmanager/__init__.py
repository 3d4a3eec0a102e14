"""AWS secretsmanager adapters."""
