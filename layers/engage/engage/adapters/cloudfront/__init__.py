"""AWS cloudfront adapters."""
