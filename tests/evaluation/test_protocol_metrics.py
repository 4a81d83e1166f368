"""The mmaction2 metrics the protocols report, against hand-computed values
(and on numpy 2, through smile_mm's compatibility fixes)."""
import numpy as np
import pytest
import torch
from mmaction.evaluation import AccMetric

from ..conftest import scored_sample


def run(metric, scores, labels):
    # labels as mmaction's format_label makes them: one-element tensors
    samples = [scored_sample(torch.tensor(s), torch.tensor([l]))
               for s, l in zip(scores, labels)]
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def test_top1_and_mean_class_accuracy():
    scores = [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1],
              [0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]
    labels = [0, 1, 1, 2, 2]  # right, right, wrong, right, wrong
    result = run(AccMetric(metric_list=('top_k_accuracy',
                                        'mean_class_accuracy'),
                           metric_options=dict(top_k_accuracy=dict(
                               topk=(1, 2)))), scores, labels)
    assert result['top1'] == pytest.approx(3 / 5)
    # top-2: sample 3 has label 1 as its second choice; sample 5 too (0.4)
    assert result['top2'] == pytest.approx(4 / 5)
    # per class: 1/1, 1/2, 1/2
    assert result['mean1'] == pytest.approx((1 + 0.5 + 0.5) / 3)


def test_mean_average_precision_of_multi_label_scores():
    scores = np.array([[0.9, 0.2], [0.8, 0.7], [0.1, 0.6], [0.3, 0.4]])
    labels = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    samples = [scored_sample(torch.tensor(s), torch.tensor(l))
               for s, l in zip(scores, labels)]
    metric = AccMetric(metric_list=('mean_average_precision', ))
    metric.process(None, samples)
    result = metric.compute_metrics(metric.results)
    # class 0 ranking 0.9(+), 0.8(-), 0.3(-), 0.1(+): AP = (1/1 + 2/4) / 2
    # class 1 ranking 0.7(+), 0.6(+), 0.4(-), 0.2(-): AP = (1 + 1) / 2
    assert result['mean_average_precision'] == pytest.approx(
        ((1 + 0.5) / 2 + 1.0) / 2)
