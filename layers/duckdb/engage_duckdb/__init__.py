"""The segmentation area's DuckDB query engine, a layer of its own: attached to the query function
only when a deployment chooses SegmentQueryEngine DUCKDB (the local stack does), so the engage layer
carries no DuckDB code and no DuckDB library."""
