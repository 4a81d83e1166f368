"""SeededSampler: mmengine's DefaultSampler that seeds every sample from
(seed, epoch, index), for exact resume and independence from the number of
loader workers (see :class:`~smile_mm.datasets.sample_pipeline.SeededSamples`).
"""
from __future__ import annotations

from typing import Iterator

from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler

from .sample_pipeline import seed_samples


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` (same indices, order, sharding and padding) that
    seeds numpy and ``random`` from (seed, epoch, index) before each sample.
    It puts :class:`~smile_mm.datasets.sample_pipeline.SeededSamples` around
    the dataset's pipeline (or around those of the datasets a wrapper such
    as ``ConcatDataset`` holds) and publishes its ``(seed, epoch)`` there
    before each epoch.

    Args:
        dataset: Any mmengine or mmaction2 dataset with a pipeline, or a
            wrapper of such datasets.
        **kwargs: See ``mmengine.dataset.DefaultSampler``.

    Raises:
        TypeError: The dataset holds no pipeline to seed.
    """

    def __init__(self, dataset, **kwargs) -> None:
        self.sample_seeds = seed_samples(dataset)
        super().__init__(dataset, **kwargs)
        self._publish()

    def _publish(self) -> None:
        for part in self.sample_seeds:
            part.publish(self.seed, self.epoch)

    def __iter__(self) -> Iterator[int]:
        # runs when the loader asks for the epoch's first index, before any
        # index reaches a worker
        self._publish()
        yield from super().__iter__()
