"""IAM and KMS as AWS evaluates them, enforced on the local stack (enforcer.py)."""
