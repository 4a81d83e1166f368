"""Weighted k-nearest-neighbour classification of frozen features, the
protocol DINO and SIGMA evaluate frozen encoders with."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def weighted_knn_scores(train: torch.Tensor, train_labels: torch.Tensor,
                        test: torch.Tensor, num_classes: int, k: int = 20,
                        temperature: float = 0.07,
                        chunk: int = 1024) -> torch.Tensor:
    """Class votes of the ``k`` nearest training features of each test one.

    Args:
        train: [N, C] training features (normalised here).
        train_labels: [N] integer classes.
        test: [M, C] test features (normalised here).
        num_classes: Number of classes (columns of the result).
        k: Neighbours that vote; at most N.
        temperature: Vote weight ``exp(cosine / temperature)``.
        chunk: Test features compared at once (memory: chunk x N).

    Returns:
        [M, num_classes] float tensor: the summed weights of each class's
        votes, divided by the sum over classes (rows sum to 1).
    """
    if train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]:
        raise ValueError(f'features must be [N, C] and [M, C] with the same '
                         f'C, got {tuple(train.shape)} and '
                         f'{tuple(test.shape)}')
    if len(train_labels) != len(train):
        raise ValueError(f'{len(train_labels)} labels for {len(train)} '
                         f'training features')
    if not 1 <= k <= len(train):
        raise ValueError(f'k={k} must lie in [1, {len(train)}] (the number '
                         f'of training features)')
    if temperature <= 0:
        raise ValueError(f'temperature must be positive, got {temperature}')
    train = F.normalize(train.float(), dim=1)
    test = F.normalize(test.float(), dim=1)
    train_labels = train_labels.long().to(train.device)
    scores = []
    for start in range(0, len(test), chunk):
        similarity = test[start:start + chunk] @ train.T
        top, index = similarity.topk(k, dim=1)
        # exp((s - s_max) / T): the same votes after normalising, no overflow
        weights = ((top - top[:, :1]) / temperature).exp()
        votes = torch.zeros(len(top), num_classes, device=train.device)
        votes.scatter_add_(1, train_labels[index], weights)
        scores.append(votes / votes.sum(1, keepdim=True))
    return torch.cat(scores) if scores else torch.zeros(0, num_classes)
