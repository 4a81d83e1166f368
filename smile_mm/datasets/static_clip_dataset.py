"""Datasets of static clips for learning without natural videos (section 5)."""
from __future__ import annotations

import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS

from .default_scope import mmaction_scope
from .lists import read_path_list
from .lists.file_kinds import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from .sample_pipeline import SkipUnreadable
from .transforms.load_static_clip import BACKGROUNDS
from .transforms.pipeline_order import check_pipeline_order



@DATASETS.register_module()
class StaticClipDataset(BaseActionDataset):
    """One background image repeated over the clip, for the paper's
    "learning without natural videos" (Tables 7 and 12).

    Backgrounds:

    * ``'black'`` and ``'noise'``: generated, ``num_samples`` samples of
      ``frame_size``; no files at all.
    * ``'image'``: scene images (for example Places) under
      ``data_prefix['img']``, or listed one per line in ``ann_file``.
    * ``'video_frame'``: one frame of each video under
      ``data_prefix['video']`` or in ``ann_file`` (K400-1frm in Table 7).

    Use ``LoadStaticClip`` as the first transform of ``pipeline`` and
    ``SyntheticMotionOverlay`` after the geometric transforms. Unreadable
    images and videos are skipped within ``max_failure_ratio`` (see
    :class:`~smile_mm.datasets.sample_pipeline.SkipUnreadable`).

    Args:
        pipeline: Transforms.
        background: One of ``'black'``, ``'noise'``, ``'image'``,
            ``'video_frame'``.
        ann_file: Optional list of files relative to the data prefix (a
            trailing label column is ignored); empty means a folder scan.
        data_prefix: ``dict(img=folder)`` for images, ``dict(video=folder)``
            for video frames.
        num_samples: Samples of black and noise backgrounds (required for
            them); for the file backgrounds, keep only the first this many.
        frame_size: (H, W) of black and noise backgrounds.
        noise_cell: 1 for white noise; larger for smooth noise drawn on
            cells of this many pixels.
        max_failure_ratio: Largest tolerated share of unreadable files.
        loading_transforms: See :class:`TolerantVideoDataset`.
        check_files: See :class:`TolerantVideoDataset`.
        **kwargs: Arguments of ``BaseActionDataset``.
    """

    def __init__(self,
                 pipeline: List[Union[Dict, Callable]],
                 background: str = 'noise',
                 ann_file: str = '',
                 data_prefix: Optional[Dict] = None,
                 num_samples: Optional[int] = None,
                 frame_size: Sequence[int] = (256, 320),
                 noise_cell: int = 1,
                 max_failure_ratio: float = 0.05,
                 loading_transforms: Optional[Sequence[str]] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if background not in BACKGROUNDS:
            raise ValueError(f'background {background!r} is unknown; choose '
                             f'one of {BACKGROUNDS}')
        if background in ('black', 'noise') and not (num_samples or 0) >= 1:
            raise ValueError(
                f'background {background!r} is generated: set num_samples '
                f'to the number of clips per epoch, got {num_samples!r}')
        if len(frame_size) != 2 or min(frame_size) < 1:
            raise ValueError(f'frame_size must be (H, W), got {frame_size}')
        key = 'video' if background == 'video_frame' else 'img'
        # a folder of None (a config's unset data_root) is no folder
        data_prefix = {name: folder for name, folder in
                       (data_prefix or {}).items() if folder is not None}
        if background in ('black', 'noise') and (
                ann_file or any(data_prefix.values())):
            raise ValueError(
                f'background {background!r} is generated and reads no files, '
                f'but ann_file={ann_file!r} and data_prefix={data_prefix} '
                "name some: set background='image' or 'video_frame' to read "
                'them, or leave data_root and ann_file_train unset')
        if background in ('image', 'video_frame') and not (
                data_prefix.get(key) or ann_file):
            raise ValueError(
                f'background {background!r} reads files from '
                f"data_prefix['{key}'] (the configs' data_root) or a list "
                f'in ann_file; got data_prefix={data_prefix} and no ann_file')
        data_prefix.setdefault(key, '')
        self.background = background
        self.num_samples = num_samples
        self.noise_cell = int(noise_cell)
        self.frame_size: Tuple[int, int] = (int(frame_size[0]),
                                            int(frame_size[1]))
        self._prefix_key = key
        with mmaction_scope():
            super().__init__(ann_file, pipeline=pipeline,
                             data_prefix=data_prefix, **kwargs)
        check_pipeline_order(self.pipeline.transforms)
        self.pipeline = SkipUnreadable(self.pipeline, self, max_failure_ratio,
                                       loading_transforms, check_files)

    @property
    def num_failed(self) -> int:
        """Files that failed to load so far."""
        return self.pipeline.num_failed

    def _list_files(self) -> List[str]:
        root = self.data_prefix.get(self._prefix_key, '')
        extensions = (VIDEO_EXTENSIONS if self.background == 'video_frame' else
                      IMAGE_EXTENSIONS)
        if self.ann_file:
            return [osp.join(root, name)
                    for name in read_path_list(self.ann_file)]
        if not osp.isdir(root):
            raise FileNotFoundError(
                f'{self.background} backgrounds are read from '
                f"data_prefix['{self._prefix_key}']={root!r}, which is not a "
                'folder; set it, or give ann_file')
        files = []
        for dirpath, _, filenames in os.walk(root):
            files += [osp.join(dirpath, name) for name in filenames
                      if name.lower().endswith(extensions)]
        if not files:
            raise FileNotFoundError(
                f'no {"videos" if self.background == "video_frame" else "images"}'
                f' ({", ".join(extensions)}) under {root}')
        return sorted(files)

    def load_data_list(self) -> List[Dict]:
        if self.background in ('black', 'noise'):
            return [dict(background=self.background,
                         frame_size=self.frame_size,
                         noise_cell=self.noise_cell)
                    for _ in range(self.num_samples)]
        files = self._list_files()
        if self.num_samples:
            files = files[:self.num_samples]
        return [dict(background=self.background, filename=name)
                for name in files]
