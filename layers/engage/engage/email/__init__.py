"""Inbound email and its feedback: auto-reply (engage.email.auto_reply), bounce and complaint
feedback (engage.email.feedback) and one-click unsubscribe (engage.email.one_click); wiring.py
composes them with their adapters, the handlers' one way in.

The package is `engage.email`, never a top-level `email`: the layer imports absolutely, so
`email.utils` and `email.message` are the standard library's everywhere."""
