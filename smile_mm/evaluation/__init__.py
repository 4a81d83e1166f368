"""Metrics of the downstream protocols mmaction2 lacks."""
from .metrics import RepetitionCountMetric

__all__ = ['RepetitionCountMetric']
