"""The in-process stack the journey functions' samples run on (tests/unit/test_sample_handlers.py)."""

from tests.unit.test_sample_handlers import aws  # noqa: F401 - a fixture, offered to this folder
