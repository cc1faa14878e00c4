"""opgtui: a terminal dashboard for grid production shifters."""

__version__ = "0.1.0"
