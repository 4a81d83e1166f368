import pytest

from smile_mm.evaluation import RepetitionCountMetric


def test_against_hand_computed_values():
    metric = RepetitionCountMetric()
    # pred, true: errors |p - t| / t = 0.5, 0.1, 0.0, 0.44
    pairs = [(3.0, 2.0), (9.0, 10.0), (5.0, 5.0), (2.8, 5.0)]
    metric.process(None, [dict(pred_count=p, count=t) for p, t in pairs])
    result = metric.compute_metrics(metric.results)
    assert result['mean_error'] == pytest.approx((0.5 + 0.1 + 0 + 0.44) / 4)
    # rounded: 3 vs 2 (ok), 9 vs 10 (ok), 5 vs 5 (ok), 3 vs 5 (off by 2)
    assert result['obo_accuracy'] == pytest.approx(0.75)
    assert RepetitionCountMetric.default_prefix == 'count'
