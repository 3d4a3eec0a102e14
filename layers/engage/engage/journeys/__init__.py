"""Pinpoint's journeys: the model and its rules (engage.journeys.model); the engine that moves
participants through them builds on it."""
