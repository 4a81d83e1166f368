"""Top-1, top-5 and mean class accuracy, computed with mmaction2's own
metric functions (the numbers its AccMetric reports for the same scores),
and a confusion matrix picture."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np
from mmaction.evaluation.functional import mean_class_accuracy, top_k_accuracy


def classification_metrics(scores: np.ndarray,
                           labels: np.ndarray) -> Dict[str, float]:
    """``{'top1', 'top5', 'mean_class_accuracy'}`` in percent of [M, K]
    class scores against [M] labels (top-5 is top-K below 5 classes)."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    if scores.ndim != 2 or len(scores) != len(labels) or not len(labels):
        raise ValueError(f'need [M, K] scores for M > 0 labels, got '
                         f'{scores.shape} and {labels.shape}')
    top1, top5 = top_k_accuracy(list(scores), list(labels),
                                (1, min(5, scores.shape[1])))
    return dict(top1=100 * float(top1), top5=100 * float(top5),
                mean_class_accuracy=100 * float(mean_class_accuracy(
                    list(scores), list(labels))))


def save_confusion_matrix(scores: np.ndarray, labels: np.ndarray, path: str,
                          title: str = '',
                          class_names: Optional[Sequence[str]] = None
                          ) -> np.ndarray:
    """Write a PNG of the row-normalised confusion matrix (true classes in
    rows, predicted in columns), its ticks on whole classes, named by
    ``class_names`` (up to 60 classes) when given; returns the [K, K] count
    matrix."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    num_classes = np.asarray(scores).shape[1]
    full = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(full, (np.asarray(labels), np.asarray(scores).argmax(1)), 1)
    shares = full / np.maximum(full.sum(1, keepdims=True), 1)
    side = min(4 + num_classes * 0.25, 40)
    figure, axes = plt.subplots(figsize=(side, side))
    image = axes.imshow(shares, cmap='Blues', vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    axes.set_xlabel('predicted class')
    axes.set_ylabel('true class')
    axes.set_title(title)
    if class_names is not None and len(class_names) != num_classes:
        raise ValueError(f'{len(class_names)} class names for '
                         f'{num_classes} classes')
    if num_classes <= 60:
        names = (list(class_names) if class_names is not None else
                 [str(index) for index in range(num_classes)])
        axes.set_xticks(range(num_classes), names, rotation=90)
        axes.set_yticks(range(num_classes), names)
    else:
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True))
    if num_classes <= 20:
        for row in range(num_classes):
            for col in range(num_classes):
                if full[row, col]:
                    axes.text(col, row, str(full[row, col]), ha='center',
                              va='center', fontsize=8,
                              color='white' if shares[row, col] > 0.5
                              else 'black')
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return full
