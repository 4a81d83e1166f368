"""A linear classifier trained on cached frozen features (paper Table 16).

The encoder has run once over a fixed set of views per video (temporal
clips, and their mirror images where the protocol flips); every epoch draws
one view per video, with the linear-probing configs' recipe. Evaluation
averages over a test video's views as mmaction2's ``average_clips`` does.
See docs/evaluation.md.
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn.functional as F


class RowSubset:
    """Some rows of an [N, V, C] array, read only when indexed (a memory map
    stays on disk): the videos that could be read, when some could not."""

    def __init__(self, array, rows) -> None:
        self.array = array
        self.rows = np.asarray(rows, np.int64)

    @property
    def shape(self) -> tuple:
        return (len(self.rows), ) + tuple(self.array.shape[1:])

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key):
        rows, *views = key if isinstance(key, tuple) else (key, )
        return self.array[(self.rows[rows], *views)]


def _rows(features: np.ndarray, rows: np.ndarray,
          views: np.ndarray) -> torch.Tensor:
    """features[rows, views] read in row order (kind to a memory map)."""
    order = np.argsort(rows, kind='stable')
    picked = np.empty((len(rows), features.shape[-1]), np.float32)
    picked[order] = features[rows[order], views[order]]
    return torch.from_numpy(picked)


def train_linear_probe(features: np.ndarray, labels: np.ndarray,
                       head: torch.nn.Linear, epochs: int, batch_size: int,
                       lr: float, weight_decay: float = 0.05,
                       betas=(0.9, 0.999), min_lr: float = 1e-6,
                       seed: int = 0, device: str = 'cpu',
                       progress: Optional[Callable[[int, float], None]] = None
                       ) -> List[float]:
    """Train ``head`` in place on one random view of every video per epoch.

    Args:
        features: [N, V, C] float array (a memory map is read batch by
            batch), or a :class:`RowSubset` of one; rows with NaN (videos
            that could not be read) must have been left out.
        labels: [N] integer classes.
        head: The linear layer to train (its initialisation is kept).
        epochs: Passes over the N videos.
        batch_size: Videos per step; the last, smaller batch is kept, as
            mmengine's default sampler keeps it.
        lr: Peak learning rate; cosine decay to ``min_lr`` over all steps.
        weight_decay, betas: AdamW's.
        seed: Orders the videos and picks the views.
        device: Where the classifier trains.
        progress: Called after each epoch with (epoch, mean loss).

    Returns:
        The mean training loss of every epoch.
    """
    count, num_views = features.shape[:2]
    if len(labels) != count:
        raise ValueError(f'{len(labels)} labels for {count} videos')
    if epochs < 1 or batch_size < 1:
        raise ValueError(f'epochs ({epochs}) and batch_size ({batch_size}) '
                         f'must be positive')
    head.to(device).train()
    optimizer = torch.optim.AdamW(head.parameters(), lr=lr, betas=betas,
                                  weight_decay=weight_decay)
    # CosineAnnealingLR per iteration (convert_to_iter_based)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, math.ceil(count / batch_size) * epochs, eta_min=min_lr)
    rng = np.random.default_rng(seed)
    targets = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(count)
        views = rng.integers(num_views, size=count)
        losses = []
        for start in range(0, count, batch_size):
            rows = order[start:start + batch_size]
            x = _rows(features, rows, views[rows]).to(device)
            loss = F.cross_entropy(head(x), targets[rows].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item() * len(rows))
        history.append(sum(losses) / count)
        if progress is not None:
            progress(epoch + 1, history[-1])
    return history


def multiview_scores(head: torch.nn.Linear, features: np.ndarray,
                     average: str = 'prob', batch_size: int = 1024,
                     device: str = 'cpu') -> torch.Tensor:
    """[M, num_classes] class scores of M videos from their [M, V, C]
    view features: the mean over views of the softmax (``'prob'``) or of
    the raw scores (``'score'``), mmaction2's ``average_clips``."""
    if average not in ('prob', 'score'):
        raise ValueError(f"average must be 'prob' or 'score' (the head's "
                         f"average_clips), got {average!r}")
    head.to(device).eval()
    scores = []
    with torch.no_grad():
        for start in range(0, len(features), batch_size):
            chunk = torch.from_numpy(np.array(
                features[start:start + batch_size], np.float32)).to(device)
            logits = head(chunk)  # [B, V, K]
            if average == 'prob':
                logits = logits.softmax(-1)
            scores.append(logits.mean(1).cpu())
    return (torch.cat(scores) if scores else
            torch.zeros(0, head.out_features))
