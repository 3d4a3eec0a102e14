"""The campaign extensions' area: FILTER hooks that add send-time data to a batch (offers,
engage.extensions.send_time) and fetch its content from a content system (engage.extensions.content);
wiring.py composes them with their adapters, the handlers' one way in."""
