"""Seed each sample's random choices from (run seed, epoch, index).

mmaction's transforms, and smile_mm's, draw from numpy's and Python's global
generators. Their state depends on which process runs a sample and on how
many samples that process ran before, so neither a resumed run nor a run
with another number of loader workers would see the same crops, overlays
and masks. Seeding both generators before each sample from
``(seed, epoch, index)`` makes every sample a pure function of those three
numbers, whatever the number of workers or ranks.

:class:`SampleSeeds` holds the run's ``(seed, epoch)`` in shared memory:
:class:`~smile_mm.datasets.SeededSampler` writes it in the main process
before an epoch's first index goes out, and the loader workers, persistent
or not, read it when they run a sample. Until a sampler writes it nothing
is seeded (mmengine's ``DefaultSampler`` and worker seeding apply as usual).
"""
from __future__ import annotations

import random

import numpy as np
import torch

_UNSET = -1


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed from (seed, epoch, index), well mixed."""
    state = np.random.SeedSequence([seed & 0xFFFFFFFF, epoch, index])
    return int(state.generate_state(1)[0])


def seed_generators(seed: int) -> None:
    """Seed the generators that data transforms draw from."""
    np.random.seed(seed)
    random.seed(seed)


class SampleSeeds:
    """The run's ``(seed, epoch)``, shared with the data-loader workers."""

    def __init__(self) -> None:
        self._state = torch.full((2, ), _UNSET, dtype=torch.int64)
        self._state.share_memory_()

    def publish(self, seed: int, epoch: int) -> None:
        """Seed the samples of ``epoch`` from ``seed`` from now on."""
        if seed is None or seed < 0:
            raise ValueError(f'a sample seed must be an integer >= 0, got '
                             f'{seed!r}; set randomness.seed in the config')
        self._state[0] = int(seed) & 0xFFFFFFFF
        self._state[1] = int(epoch)

    def seed_sample(self, index: int) -> None:
        """Seed the generators for sample ``index``; nothing until a seed
        is published."""
        seed, epoch = (int(value) for value in self._state)
        if seed != _UNSET:
            seed_generators(sample_seed(seed, epoch, int(index)))


class SeededSamplesMixin:
    """Seeds numpy and ``random`` from (seed, epoch, index) before each
    ``dataset[index]`` once :class:`SeededSampler` publishes a seed; put it
    first among a dataset's bases. Any other dataset gets the same from
    :class:`~smile_mm.datasets.SeededDataset`."""

    _sample_seeds: SampleSeeds

    def set_sample_seed(self, seed: int, epoch: int) -> None:
        """Called by :class:`SeededSampler` before each epoch."""
        self._seeds().publish(seed, epoch)

    def _seeds(self) -> SampleSeeds:
        if '_sample_seeds' not in self.__dict__:
            self._sample_seeds = SampleSeeds()
        return self._sample_seeds

    def __getitem__(self, index: int):
        self._seeds().seed_sample(index)
        return super().__getitem__(index)
