"""The linear probe on cached views: it reads the views it draws, reaches
what scikit-learn's logistic regression reaches on the same features, and
averages test views as mmaction2's heads do."""
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from smile_mm.evaluation.cached_linear_probe import (_rows, multiview_scores,
                                                     train_linear_probe)


def _clusters(count, views, rng, centres):
    labels = rng.integers(0, len(centres), count)
    features = (centres[labels][:, None] +
                rng.normal(0, 2.0, (count, views, centres.shape[1])))
    return features.astype(np.float32), labels


def test_rows_picks_each_videos_drawn_view():
    features = np.arange(5 * 3 * 2, dtype=np.float32).reshape(5, 3, 2)
    rows, views = np.array([4, 0, 2, 0]), np.array([1, 2, 0, 0])
    np.testing.assert_array_equal(_rows(features, rows, views).numpy(),
                                  features[rows, views])


def test_accuracy_reaches_logistic_regression(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (5, 32))
    train_x, train_y = _clusters(1000, 4, rng, centres)
    test_x, test_y = _clusters(400, 4, rng, centres)
    # a memory map gives what the array gives
    path = str(tmp_path / 'features.npy')
    np.save(path, train_x)
    heads = []
    for source in (train_x, np.load(path, mmap_mode='r')):
        torch.manual_seed(0)
        head = torch.nn.Linear(32, 5)
        losses = train_linear_probe(source, train_y, head, epochs=30,
                                    batch_size=128, lr=1e-2, seed=3)
        heads.append(head)
        assert len(losses) == 30 and losses[-1] < losses[0]
    torch.testing.assert_close(heads[0].weight, heads[1].weight)
    ours = (multiview_scores(heads[0], test_x).argmax(1).numpy() ==
            test_y).mean()
    reference = LogisticRegression(max_iter=2000).fit(
        train_x.reshape(-1, 32), np.repeat(train_y, 4))
    theirs = (reference.predict_proba(test_x.reshape(-1, 32)).reshape(
        400, 4, 5).mean(1).argmax(1) == test_y).mean()
    assert theirs > 0.8
    assert ours >= theirs - 0.03


def test_multiview_scores_average_softmax_or_scores():
    head = torch.nn.Linear(3, 4)
    features = np.random.default_rng(1).normal(size=(6, 5, 3)).astype(
        np.float32)
    logits = features @ head.weight.detach().numpy().T + \
        head.bias.detach().numpy()
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(multiview_scores(head, features, 'prob',
                                                batch_size=4).numpy(),
                               softmax.mean(1), atol=1e-6)
    np.testing.assert_allclose(multiview_scores(head, features,
                                                'score').numpy(),
                               logits.mean(1), atol=1e-5)
    with pytest.raises(ValueError, match="average_clips"):
        multiview_scores(head, features, None)


def test_label_count_must_match():
    with pytest.raises(ValueError, match='3 labels for 4 videos'):
        train_linear_probe(np.zeros((4, 1, 2), np.float32), np.zeros(3),
                           torch.nn.Linear(2, 2), 1, 2, 1e-3)
