"""Copying: segments, templates and campaigns copied from one application to another (A17)."""
