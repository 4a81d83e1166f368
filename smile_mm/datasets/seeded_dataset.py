"""SeededDataset: per-sample seeding for a dataset that lacks it."""
from __future__ import annotations

from typing import Union

from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset

from .sample_seeds import SeededSamplesMixin


class _Delegating:
    """``len`` and ``[index]`` of the wrapped dataset."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        return self.dataset[index]


@DATASETS.register_module()
class SeededDataset(SeededSamplesMixin, _Delegating):
    """Any dataset (mmaction's stock ``VideoDataset``, mmengine's
    ``ConcatDataset`` or ``RepeatDataset``, ...) whose samples
    :class:`~smile_mm.datasets.SeededSampler` seeds from (seed, epoch,
    index). smile_mm's own datasets seed themselves and need no wrapper.

    Examples:
        >>> train_dataloader = dict(
        ...     sampler=dict(type='SeededSampler', shuffle=True),
        ...     dataset=dict(type='SeededDataset',
        ...                  dataset=dict(type='VideoDataset', ...)))

    Args:
        dataset: The dataset, or its config.
    """

    def __init__(self, dataset: Union[BaseDataset, dict]) -> None:
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        super().__init__(dataset)
        self._seeds()  # the shared cell exists before workers start

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information (read by evaluators)."""
        return getattr(self.dataset, 'metainfo', {})

    def full_init(self) -> None:
        """Initialise the wrapped dataset fully."""
        full_init = getattr(self.dataset, 'full_init', None)
        if full_init is not None:
            full_init()

    def get_data_info(self, index: int) -> dict:
        """The wrapped dataset's annotation of sample ``index``."""
        return self.dataset.get_data_info(index)

    @property
    def pipeline(self):
        """The wrapped dataset's pipeline (read by smile_mm's feature
        cache and tools/visualize_motion.py)."""
        return self.dataset.pipeline

    def prepare_data(self, index: int):
        """The wrapped dataset's sample ``index``, unseeded."""
        return self.dataset.prepare_data(index)
