"""Accuracies counted by hand, and the confusion matrix over all classes."""
import numpy as np
import pytest

from smile_mm.evaluation.classification_report import (
    classification_metrics, save_confusion_matrix)


def test_metrics_by_hand():
    scores = np.zeros((6, 7))
    top = [0, 1, 1, 3, 2, 6]          # labels 0 0 1 1 2 3
    second = [1, 0, 4, 1, 5, 3]
    for row, (first, other) in enumerate(zip(top, second)):
        scores[row, first], scores[row, other] = 2.0, 1.0
    # row 2's label (1) is its top score; make row 3's label 1 its 5th
    scores[3] = [0.5, 0.55, 0.6, 2.0, 0.7, 0.8, 0.0]
    labels = np.array([0, 0, 1, 1, 2, 3])
    metrics = classification_metrics(scores, labels)
    assert metrics['top1'] == pytest.approx(100 * 3 / 6)
    # every label is among the 5 best scores of its row (row 3: 5th)
    assert metrics['top5'] == pytest.approx(100.0)
    assert classification_metrics(scores[3:4], labels[3:4])['top5'] == 100
    scores[3, 1] = 0.45  # now 6th of 7
    assert classification_metrics(scores[3:4], labels[3:4])['top5'] == 0
    # per class, over the classes that are labels or predictions (mmaction2's
    # AccMetric, which the configs report): 0: 1/2, 1: 1/2, 2: 1/1, 3: 0/1,
    # and 6, predicted but never true: 0
    assert metrics['mean_class_accuracy'] == pytest.approx(100 * 2 / 5)
    # when every prediction is some video's label, the plain mean per label
    scores[5, 6] = 0.0
    scores[5, 0] = 3.0
    assert classification_metrics(scores, labels)[
        'mean_class_accuracy'] == pytest.approx(100 * 2 / 4)


def test_confusion_png_covers_absent_classes(tmp_path):
    scores = np.eye(5)[[0, 0, 3]]
    counts = save_confusion_matrix(scores, np.array([0, 3, 3]),
                                   str(tmp_path / 'c.png'), 'title')
    assert counts.shape == (5, 5)
    assert counts[0, 0] == 1 and counts[3, 0] == 1 and counts[3, 3] == 1
    assert counts.sum() == 3
    assert (tmp_path / 'c.png').stat().st_size > 1000


def _ticks_as_saved(monkeypatch, *args, **kwargs):
    """The tick labels of the matrix as it is written."""
    from matplotlib.figure import Figure
    seen = {}
    save = Figure.savefig

    def savefig(figure, *a, **k):
        axes = figure.axes[0]
        seen['x'] = [t.get_text() for t in axes.get_xticklabels()]
        seen['y'] = [t.get_text() for t in axes.get_yticklabels()]
        seen['x_at'] = list(axes.get_xticks())
        return save(figure, *a, **k)

    monkeypatch.setattr(Figure, 'savefig', savefig)
    save_confusion_matrix(*args, **kwargs)
    return seen


def test_ticks_are_whole_classes_named_by_the_label_map(tmp_path,
                                                        monkeypatch):
    scores, labels = np.eye(3)[[0, 1, 2]], np.array([0, 1, 2])
    plain = _ticks_as_saved(monkeypatch, scores, labels,
                            str(tmp_path / 'a.png'))
    assert plain['x'] == plain['y'] == ['0', '1', '2']
    named = _ticks_as_saved(monkeypatch, scores, labels,
                            str(tmp_path / 'b.png'),
                            class_names=['run', 'jump', 'swim'])
    assert named['x'] == named['y'] == ['run', 'jump', 'swim']
    many = _ticks_as_saved(monkeypatch, np.eye(80)[:3], np.arange(3),
                           str(tmp_path / 'c.png'))
    assert all(float(at).is_integer() for at in many['x_at'])
    with pytest.raises(ValueError, match='2 class names for 3 classes'):
        save_confusion_matrix(scores, labels, str(tmp_path / 'd.png'),
                              class_names=['a', 'b'])
