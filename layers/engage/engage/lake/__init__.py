"""The event lake's area: the channels' own events on the engagement stream, feedback onto the
engagement bus, the names and views the lake's tables are read through, and erasure from its files;
wiring.py composes their adapters."""
