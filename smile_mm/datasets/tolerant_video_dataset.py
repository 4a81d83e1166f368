"""VideoDataset that skips unreadable videos within a bounded share, and can
draw several clips from each decoded video."""
from __future__ import annotations

import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .annotation_list import read_video_list
from .failure_tolerance import FailureTolerantMixin
from .pipeline_order import transform_name


@DATASETS.register_module()
class TolerantVideoDataset(FailureTolerantMixin, VideoDataset):
    """mmaction's ``VideoDataset`` (annotation lines ``path label``, read
    strictly by :func:`read_video_list`: the label is split off the right,
    so paths may contain spaces, and a bad line is an error naming the file
    and line) that skips missing or undecodable videos with a warning,
    counts them and
    raises once more than ``max_failure_ratio`` of the videos failed (see
    :mod:`smile_mm.datasets.failure_tolerance`). It also checks the order of
    SMILE's transforms in ``pipeline`` when it is built.

    Multiple sampling (paper F.3): with ``clips_per_video=k`` each video is
    decoded once and ``k`` clips are drawn from it; every clip then runs the
    rest of the pipeline on its own, so it gets its own crop, overlay and
    mask. A sample is then a list of ``k`` clips: use
    ``collate_fn=dict(type='repeat_pseudo_collate')``. An epoch still counts
    videos, so it trains ``k`` effective epochs, and a batch of ``b`` videos
    holds ``b * k`` clips. The pipeline must start with a video reader,
    ``SampleFrames`` (one clip) and the decoder.

    The decoder reads the frames of all ``k`` clips in one pass, in
    ascending order and each frame once, so it seeks at most once per clip
    and never backwards. With ``clip_window=w`` every further clip starts
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
        if clips_per_video < 1:
            raise ValueError(
                f'clips_per_video must be >= 1, got {clips_per_video}')
        if clip_window is not None and clip_window < 0:
            raise ValueError(f'clip_window must be None (independent clips) '
                             f'or >= 0 frames, got {clip_window}')
        self.clips_per_video = clips_per_video
        self.clip_window = clip_window
        self._setup_failure_tolerance(max_failure_ratio, loading_transforms,
                                      check_files)
        with self._registry_scope():
            super().__init__(*args, **kwargs)
        if clips_per_video > 1:
            self._check_multiple_sampling()
        self._check_files()

    def load_data_list(self) -> List[Dict]:
        root = self.data_prefix.get('video')
        return [dict(filename=osp.join(root, entry.path) if root else
                     entry.path, label=entry.label)
                for entry in read_video_list(
                    self.ann_file, multi_label=self.multi_class,
                    num_classes=self.num_classes, delimiter=self.delimiter)]

    def _check_multiple_sampling(self) -> None:
        names = [transform_name(t) for t in self.pipeline.transforms[:3]]
        sampler = self.pipeline.transforms[1] if len(names) > 1 else None
        if (len(names) < 3 or names[1] != 'SampleFrames'
                or names[0] not in self.loading_transforms
                or names[2] not in self.loading_transforms):
            raise ValueError(
                'clips_per_video > 1 needs a pipeline that starts with a '
                'video reader, SampleFrames and the decoder (e.g. DecordInit,'
                f' SampleFrames, DecordDecode), got {names}')
        if getattr(sampler, 'num_clips', 1) != 1:
            raise ValueError('with clips_per_video > 1, SampleFrames must '
                             f'draw one clip (num_clips=1), got '
                             f'{sampler.num_clips}')

    def _near(self, first: np.ndarray, total: int,
              start_index: int) -> np.ndarray:
        """``first`` moved by a uniform shift of at most ``clip_window``
        frames that keeps it inside the video."""
        low = max(-self.clip_window, start_index - int(first.min()))
        high = min(self.clip_window,
                   start_index + total - 1 - int(first.max()))
        if low > high:  # a clip longer than the video: as it was drawn
            return first.copy()
        return first + np.random.randint(low, high + 1)

    def transform_sample(self, info: dict) -> Any:
        if self.clips_per_video == 1:
            return super().transform_sample(info)
        reader, sampler, decoder, *rest = self.pipeline.transforms
        info = self.apply_guarded(reader, info)
        frame_inds: List[np.ndarray] = []
        for _ in range(self.clips_per_video):
            drawn = sampler(dict(total_frames=info['total_frames'],
                                 start_index=info['start_index']))
            frame_inds.append(drawn['frame_inds'].reshape(-1))
        if self.clip_window is not None:
            frame_inds = [frame_inds[0]] + [
                self._near(frame_inds[0], info['total_frames'],
                           info['start_index'])
                for _ in frame_inds[1:]]
        for key, value in drawn.items():
            if key != 'frame_inds':
                info[key] = value
        # every frame once, in order: one forward pass of the decoder
        wanted, where = np.unique(np.concatenate(frame_inds),
                                  return_inverse=True)
        info['frame_inds'] = wanted
        info = self.apply_guarded(decoder, info)
        decoded = info.pop('imgs')
        # a frame two clips share is copied for the second: transforms such
        # as Flip work in place
        frames, used = [], set()
        for i in where.reshape(-1):
            frames.append(decoded[i].copy() if i in used else decoded[i])
            used.add(i)
        clips, start = [], 0
        for inds in frame_inds:
            clip = copy.deepcopy(info)
            clip['frame_inds'] = inds
            clip['imgs'] = frames[start:start + len(inds)]
            start += len(inds)
            for transform in rest:
                clip = transform(clip)
                if clip is None:
                    return None
            clips.append(clip)
        return clips
