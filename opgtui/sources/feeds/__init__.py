"""opgtui."""
