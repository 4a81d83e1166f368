"""Skip samples whose files cannot be read, count them, and stop when too
many fail.

A training sample whose loading step fails (:class:`UnreadableSample`, see
:mod:`smile_mm.datasets.loading_guard`) is skipped with a warning that
names the file; mmengine's ``BaseDataset`` then draws another sample (its
``max_refetch`` loop). Failures are counted per sample in a flag tensor in
shared memory, so the data-loader workers of one process add up to one
count, and a failed file is not read again. Once more than
``max_failure_ratio`` of the dataset has failed, loading stops with an error
listing the files. An error of any other transform is a bug and is raised
as it is. In test mode every failure is an error.

Files that do not exist are found once, when the dataset is built: all of
them are named in one message (an error in test mode or beyond
``max_failure_ratio``, else one warning, and they are skipped from then on
without being opened).
"""
from __future__ import annotations

import logging
import os.path as osp
from typing import Any, List, Optional, Sequence

import torch
from mmengine.logging import print_log

from .loading_guard import LOADING_TRANSFORMS, UnreadableSample

_MAX_LISTED = 10
_MAX_MISSING_LISTED = 50


class FailureTolerantMixin:
    """Mixin for mmengine datasets; put it before the dataset class.

    The subclass calls :meth:`_setup_failure_tolerance` at the start of its
    ``__init__``, before the dataset's own ``__init__``, guards the loading
    steps of the built pipeline with
    :func:`~smile_mm.datasets.loading_guard.guard_loading` (names in
    ``self.loading_transforms``) and ends with :meth:`_check_files`.
    """

    def _setup_failure_tolerance(
            self, max_failure_ratio: float,
            loading_transforms: Optional[Sequence[str]] = None,
            check_files: bool = True) -> None:
        if not 0.0 <= max_failure_ratio < 1.0:
            raise ValueError(
                f'max_failure_ratio must lie in [0, 1), got '
                f'{max_failure_ratio}; 0 makes any unreadable video an error')
        self.max_failure_ratio = float(max_failure_ratio)
        self.loading_transforms = tuple(
            LOADING_TRANSFORMS if loading_transforms is None else
            loading_transforms)
        self._failed: Optional[torch.Tensor] = None
        self._failed_files: List[str] = []
        self.check_files = bool(check_files)

    def full_init(self) -> None:
        super().full_init()
        if self._failed is None:
            self._failed = torch.zeros(len(self), dtype=torch.bool)
            self._failed.share_memory_()

    def _check_files(self) -> None:
        """Name every listed file that does not exist, once, up front; the
        subclass calls it at the end of its ``__init__`` (after its own
        checks of the configuration) when ``check_files`` is set."""
        if not self.check_files:
            return
        missing = []
        for idx in range(len(self)):
            info = self.get_data_info(idx)
            path = info.get('filename') or info.get('frame_dir')
            if path and '://' not in str(path) and not osp.exists(path):
                missing.append((idx, str(path)))
        if not missing:
            return
        count, total = len(missing), len(self)
        listed = '\n  '.join(path for _, path in
                             missing[:_MAX_MISSING_LISTED])
        if count > _MAX_MISSING_LISTED:
            listed += f'\n  ... and {count - _MAX_MISSING_LISTED} more'
        source = self.ann_file or 'the dataset'
        fix = (f'check data_prefix ({self.data_prefix}) and the paths in '
               f'{source}')
        if self.test_mode or count > self.max_failure_ratio * total:
            why = ('evaluation sets must be complete' if self.test_mode else
                   f'more than max_failure_ratio={self.max_failure_ratio}')
            raise FileNotFoundError(
                f'{count} of {total} files listed in {source} do not exist '
                f'({why}):\n  {listed}\n{fix}')
        for idx, path in missing:
            self._failed[idx] = True
            self._failed_files.append(path)
        print_log(f'{count} of {total} files listed in {source} do not exist '
                  f'and are skipped (limit max_failure_ratio='
                  f'{self.max_failure_ratio:.1%} of the samples):\n  '
                  f'{listed}', logger='current', level=logging.WARNING)

    @property
    def num_failed(self) -> int:
        """Videos that failed to load so far (in this process)."""
        return 0 if self._failed is None else int(self._failed.sum())

    def _source_name(self, info: dict, idx: int) -> str:
        for key in ('filename', 'frame_dir', 'img_path'):
            if info.get(key):
                return str(info[key])
        return f'sample {idx}'

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline; a loading failure returns None (draw another)."""
        if self._failed is not None and bool(self._failed[idx]):
            return None
        try:
            return super().prepare_data(idx)
        except UnreadableSample as failure:
            name = self._source_name(self.get_data_info(idx), idx)
            return self._record_failure(idx, name, failure)

    def _record_failure(self, idx: int, name: str,
                        failure: UnreadableSample) -> None:
        reason, error = str(failure), failure.error
        if self.test_mode:
            raise RuntimeError(
                f'cannot load {name} ({reason}); evaluation sets must be '
                f'fully readable: fix the file or remove it from '
                f'{self.ann_file or "the dataset"}') from error
        self._failed[idx] = True
        self._failed_files.append(name)
        failed = self.num_failed
        print_log(
            f'skipped unreadable {name} ({reason}); {failed} of {len(self)} '
            f'samples failed so far, limit {self.max_failure_ratio:.1%}',
            logger='current', level=logging.WARNING)
        if failed > self.max_failure_ratio * len(self):
            listed = '\n  '.join(self._failed_files[-_MAX_LISTED:])
            raise RuntimeError(
                f'{failed} of {len(self)} samples ({failed / len(self):.1%}) '
                f'could not be loaded, more than max_failure_ratio='
                f'{self.max_failure_ratio}. Last failures:\n  {listed}\n'
                f'Check data_prefix and ann_file, or raise '
                f'max_failure_ratio.') from error
        return None
