"""mmaction's VideoDataset with a strict list, unreadable videos skipped
within a bound, and several clips from each decoded video."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .default_scope import mmaction_scope
from .lists import read_video_list
from .sample_pipeline import MultipleClips, SkipUnreadable
from .transforms.loading_guard import LOADING_TRANSFORMS
from .transforms.pipeline_order import check_pipeline_order


@DATASETS.register_module()
class TolerantVideoDataset(VideoDataset):
    """mmaction's ``VideoDataset`` with a strict list (lines ``path label``,
    read by :func:`read_video_list`: the label is split off the right, so
    paths may contain spaces, and a bad line is an error naming the file and
    line), unreadable videos skipped within ``max_failure_ratio``
    (:class:`~smile_mm.datasets.SkipUnreadable`) and ``clips_per_video``
    clips from each decoded video (:class:`~smile_mm.datasets.MultipleClips`;
    an epoch still counts videos, so it trains ``k`` effective epochs, and
    a batch of ``b`` videos holds ``b * k`` clips). The order of SMILE's
    transforms is checked at build.

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
        with mmaction_scope():
            super().__init__(*args, **kwargs)
        check_pipeline_order(self.pipeline.transforms)
        self.pipeline = SkipUnreadable(
            MultipleClips(self.pipeline, clips_per_video, clip_window,
                          loading_transforms or LOADING_TRANSFORMS),
            self, max_failure_ratio, loading_transforms, check_files)

    @property
    def num_failed(self) -> int:
        """Videos that failed to load so far."""
        return self.pipeline.num_failed

    def load_data_list(self) -> List[Dict]:
        root = self.data_prefix.get('video')
        return [dict(filename=osp.join(root, entry.path) if root else
                     entry.path, label=entry.label)
                for entry in read_video_list(
                    self.ann_file, multi_label=self.multi_class,
                    num_classes=self.num_classes, delimiter=self.delimiter)]
