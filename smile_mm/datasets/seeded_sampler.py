"""SeededSampler: every sample's augmentation depends on (seed, epoch, index).

mmaction's transforms, and smile_mm's, draw from numpy's global generator.
Its state depends on which process runs a sample and on how many samples
that process ran before, so neither a resumed run nor a run with another
number of loader workers sees the same crops, overlays and masks. This
sampler yields ``(index, seed)`` pairs; smile_mm's datasets seed numpy and
``random`` with that seed before running the pipeline, which makes every
sample a pure function of (run seed, epoch, index): resumed runs repeat
uninterrupted ones exactly, whatever the number of workers or ranks.
"""
from __future__ import annotations

import random
from typing import Iterator, Tuple

import numpy as np
from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed from (seed, epoch, index), well mixed."""
    state = np.random.SeedSequence([seed & 0xFFFFFFFF, epoch, index])
    return int(state.generate_state(1)[0])


def seed_everything_for(seed: int) -> None:
    """Seed the generators that data transforms draw from."""
    np.random.seed(seed)
    random.seed(seed)


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` (same order, sharding and padding) that yields
    ``(index, seed)``; use it with smile_mm's datasets.

    Args:
        **kwargs: See ``mmengine.dataset.DefaultSampler``.
    """

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        for index in super().__iter__():
            yield index, sample_seed(self.seed, self.epoch, index)
