"""Weighted k-NN against scikit-learn's brute-force neighbours with the same
cosine metric and exp(similarity / T) weights."""
import numpy as np
import pytest
import torch
from sklearn.neighbors import KNeighborsClassifier

from smile_mm.evaluation.knn import weighted_knn_scores


@pytest.mark.parametrize('k,temperature', [(20, 0.07), (5, 0.5), (1, 0.07)])
def test_votes_match_scikit_learn(k, temperature):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (4, 16))
    train_y = rng.integers(0, 4, 300)
    train = centres[train_y] + rng.normal(0, 1.5, (300, 16))
    test_y = rng.integers(0, 4, 50)
    test = centres[test_y] + rng.normal(0, 1.5, (50, 16))
    ours = weighted_knn_scores(torch.tensor(train), torch.tensor(train_y),
                               torch.tensor(test), 4, k, temperature,
                               chunk=7).numpy()
    reference = KNeighborsClassifier(
        n_neighbors=k, metric='cosine', algorithm='brute',
        weights=lambda distance: np.exp((1 - distance) / temperature)).fit(
            train, train_y).predict_proba(test)
    np.testing.assert_allclose(ours, reference, atol=1e-5)
    assert (ours.argmax(1) == reference.argmax(1)).all()


def test_classes_without_neighbours_score_zero_and_rows_sum_to_one():
    train = torch.eye(3)
    scores = weighted_knn_scores(train, torch.tensor([0, 1, 1]),
                                 torch.tensor([[1.0, 0.1, 0.0]]), 5, k=2)
    assert scores.shape == (1, 5)
    assert scores[0, 2:].eq(0).all()
    assert scores.sum().item() == pytest.approx(1.0)
    assert scores[0].argmax().item() == 0


@pytest.mark.parametrize('kwargs,match', [
    (dict(k=0), 'k=0'), (dict(k=4), r'k=4 must lie in \[1, 3\]'),
    (dict(k=2, temperature=0.0), 'temperature')])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        weighted_knn_scores(torch.eye(3), torch.tensor([0, 1, 2]),
                            torch.eye(3), 3, **kwargs)


def test_small_temperatures_do_not_overflow():
    """exp(1 / 0.005) is beyond float32: the votes stay finite and the
    nearest neighbour's class wins."""
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    scores = weighted_knn_scores(train, torch.tensor([0, 1, 1]),
                                 torch.tensor([[1.0, 0.02]]), 2, k=3,
                                 temperature=0.005)
    assert torch.isfinite(scores).all()
    assert scores.sum().item() == pytest.approx(1.0)
    assert scores[0].argmax().item() == 0
