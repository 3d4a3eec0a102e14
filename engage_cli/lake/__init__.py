"""The event lake on one machine: the SQL source under sql/ read once (engage_cli.lake.source), run
on DuckDB over the lake's files (engage_cli.lake.local) or on Athena (engage_cli.lake.athena)."""
