"""Imports: Pinpoint's import file formats read as a stream, and the import job's steps."""
