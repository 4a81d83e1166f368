"""RepetitionCountMetric: SEVERE's repetition-counting scores."""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric


@METRICS.register_module()
class RepetitionCountMetric(BaseMetric):
    """Mean absolute error of the count normalised by the true count
    (SEVERE's UCF-RC "mean error", lower is better) and off-by-one accuracy
    (the share of videos whose rounded count is within one of the truth).
    """

    default_prefix = 'count'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append((float(sample['pred_count']),
                                 float(sample['count'])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        pred, true = np.array(results).T
        return dict(
            mean_error=float(np.mean(np.abs(pred - true) / true)),
            obo_accuracy=float(np.mean(np.abs(np.round(pred) - true) <= 1)))
