"""The SMS area: inbound messages and their keywords (consent revocation), retries of failed
texts, texts from an S3 file drop, GSM-7/UCS-2 encoding, the opt-in sync from a customer database,
and the composition root that wires them to AWS (engage.sms.wiring)."""
