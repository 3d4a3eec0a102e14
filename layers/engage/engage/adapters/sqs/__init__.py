"""AWS sqs adapters."""
