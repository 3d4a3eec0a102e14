"""The Pinpoint-compatible API's own use cases: PutEvents and paginated lists."""
