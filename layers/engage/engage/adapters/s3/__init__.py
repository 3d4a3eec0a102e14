"""AWS s3 adapters."""
