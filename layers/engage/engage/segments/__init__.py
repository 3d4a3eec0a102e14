"""Segments: Pinpoint's dimension model evaluated one endpoint at a time (issue 8 adds the store,
size estimates, exports and the validation workflow)."""
