"""VideoDataset that skips unreadable videos within a bounded share, seeds
each sample, and can draw several clips from each decoded video."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .annotation_list import read_video_list
from .default_scope import mmaction_scope
from .failure_tolerance import FailureTolerantMixin
from .loading_guard import guard_loading
from .multiple_sampling import MultipleSamplingMixin
from .pipeline_order import check_pipeline_order
from .sample_seeds import SeededSamplesMixin


@DATASETS.register_module()
class TolerantVideoDataset(SeededSamplesMixin, FailureTolerantMixin,
                           MultipleSamplingMixin, VideoDataset):
    """mmaction's ``VideoDataset`` (annotation lines ``path label``, read
    strictly by :func:`read_video_list`: the label is split off the right,
    so paths may contain spaces, and a bad line is an error naming the file
    and line) that skips missing or undecodable videos with a warning,
    counts them and
    raises once more than ``max_failure_ratio`` of the videos failed (see
    :mod:`smile_mm.datasets.failure_tolerance`). It also checks the order of
    SMILE's transforms in ``pipeline`` when it is built, and seeds each
    sample when :class:`SeededSampler` gives it a seed
    (:mod:`smile_mm.datasets.sample_seeds`).

    Multiple sampling (paper F.3, :mod:`smile_mm.datasets.multiple_sampling`):
    with ``clips_per_video=k`` each video is decoded once and ``k`` clips
    are drawn from it, each with its own crop, overlay and mask. A sample is
    then a list of ``k`` clips: use
    ``collate_fn=dict(type='repeat_pseudo_collate')``. An epoch still counts
    videos, so it trains ``k`` effective epochs, and a batch of ``b`` videos
    holds ``b * k`` clips. With ``clip_window=w`` every further clip starts
    within ``w`` frames of the first one (uniformly, inside the video), so
    that all come from one stretch of decoding after one seek; ``None``
    (default) draws them independently over the whole video.

    Args:
        clips_per_video: Clips drawn from each decoded video.
        clip_window: Largest distance, in frames, of a further clip's start
            from the first clip's start; ``None`` for independent clips.
        max_failure_ratio: Largest tolerated share of unreadable videos.
        loading_transforms: Names of the transforms whose failure marks a
            video unreadable (default: mmaction's decoders).
        check_files: Look for every listed file once when the dataset is
            built and name all missing ones in one message (False skips the
            look, for storage where it is slow).
        **kwargs: Arguments of ``VideoDataset``.
    """

    def __init__(self,
                 *args,
                 clips_per_video: int = 1,
                 clip_window: Optional[int] = None,
                 max_failure_ratio: float = 0.05,
                 loading_transforms: Optional[Sequence[str]] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        self._setup_multiple_sampling(clips_per_video, clip_window)
        self._setup_failure_tolerance(max_failure_ratio, loading_transforms,
                                      check_files)
        with mmaction_scope():
            super().__init__(*args, **kwargs)
        check_pipeline_order(self.pipeline.transforms)
        self._check_multiple_sampling(self.loading_transforms)
        guard_loading(self.pipeline, self.loading_transforms)
        self._check_files()

    def load_data_list(self) -> List[Dict]:
        root = self.data_prefix.get('video')
        return [dict(filename=osp.join(root, entry.path) if root else
                     entry.path, label=entry.label)
                for entry in read_video_list(
                    self.ann_file, multi_label=self.multi_class,
                    num_classes=self.num_classes, delimiter=self.delimiter)]
