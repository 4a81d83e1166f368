"""SeededSampler: mmengine's DefaultSampler that seeds every sample from
(seed, epoch, index), for exact resume and independence from the number of
loader workers (see :mod:`smile_mm.datasets.sample_seeds`)."""
from __future__ import annotations

from typing import Iterator

from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` (same indices, order, sharding and padding) that
    publishes its ``(seed, epoch)`` to the dataset before each epoch; the
    dataset then seeds numpy and ``random`` from (seed, epoch, index) before
    each sample. smile_mm's datasets take the seed themselves; wrap any other
    dataset in :class:`~smile_mm.datasets.SeededDataset`.

    Args:
        dataset: A dataset with ``set_sample_seed(seed, epoch)``.
        **kwargs: See ``mmengine.dataset.DefaultSampler``.

    Raises:
        TypeError: The dataset cannot be seeded.
    """

    def __init__(self, dataset, **kwargs) -> None:
        if not callable(getattr(dataset, 'set_sample_seed', None)):
            raise TypeError(
                f'SeededSampler seeds each sample through the dataset, and '
                f'{type(dataset).__name__} cannot take a seed: wrap it, '
                f"dataset=dict(type='SeededDataset', dataset=<its config>), "
                f"or use sampler=dict(type='DefaultSampler')")
        super().__init__(dataset, **kwargs)
        self.dataset.set_sample_seed(self.seed, self.epoch)

    def __iter__(self) -> Iterator[int]:
        # runs when the loader asks for the epoch's first index, before any
        # index reaches a worker
        self.dataset.set_sample_seed(self.seed, self.epoch)
        yield from super().__iter__()
