from .repetition_count_metric import RepetitionCountMetric

__all__ = ['RepetitionCountMetric']
