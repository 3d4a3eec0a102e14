"""AWS duckdb adapters."""
