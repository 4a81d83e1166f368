"""Metrics of the downstream protocols mmaction2 lacks, and the frozen-
feature evaluations (cached linear probe, weighted k-NN)."""
from .cached_linear_probe import multiview_scores, train_linear_probe
from .classification_report import (classification_metrics,
                                    save_confusion_matrix)
from .feature_cache import extract_features, load_cache
from .knn import weighted_knn_scores
from .metrics import RepetitionCountMetric

__all__ = ['RepetitionCountMetric', 'classification_metrics',
           'extract_features', 'load_cache', 'multiview_scores',
           'save_confusion_matrix', 'train_linear_probe',
           'weighted_knn_scores']
