"""Segmentation: federated segment queries (A21: a query over the customer's own tables whose result
becomes an imported segment or endpoint attributes) and event-driven segments (A13: rules turning the
event stream's events into endpoint attribute changes)."""
