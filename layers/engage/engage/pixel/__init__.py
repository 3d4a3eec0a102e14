"""The GTM tracking pixel (A27): reading a hit (engage.pixel.model), recording it and answering the
tag (engage.pixel.hits); wiring.py composes them with the queue and the secret, the handler's one way
in."""
