"""Multiple sampling (paper F.3): several clips from each decoded video.

With ``clips_per_video=k`` a video is opened and decoded once and ``k``
clips are drawn from it; every clip then runs the rest of the pipeline (an
mmengine ``Compose``) on its own, so it gets its own crop, overlay and mask.
A sample is then a list of ``k`` clips, which mmaction2's
``repeat_pseudo_collate`` flattens into the batch.

mmaction2's ``RepeatAugDataset`` does the same for its own ``VideoDataset``;
this mixin differs where SMILE needs it: the decoder reads the frames of all
clips in one pass, in ascending order and each frame once (so it seeks at
most once per clip and never backwards, with any decoder, not decord
alone); further clips can be drawn near the first (``clip_window``), from
one stretch of decoding; and the dataset keeps its test mode and failure
tolerance.
"""
from __future__ import annotations

import copy
from typing import Any, List, Optional

import numpy as np
from mmengine.dataset import Compose

from .pipeline_order import transform_name


class MultipleSamplingMixin:
    """Mixin for mmaction's ``VideoDataset``; put it right before the
    dataset class (after :class:`FailureTolerantMixin`, whose failure
    handling then covers the reader and the decoder it calls).

    The subclass calls :meth:`_setup_multiple_sampling` before the dataset's
    ``__init__`` and :meth:`_check_multiple_sampling` once the pipeline is
    built. The pipeline must start with a video reader, ``SampleFrames``
    (one clip) and the decoder (e.g. ``DecordInit``, ``SampleFrames``,
    ``DecordDecode``).
    """

    def _setup_multiple_sampling(self, clips_per_video: int,
                                 clip_window: Optional[int]) -> None:
        if clips_per_video < 1:
            raise ValueError(
                f'clips_per_video must be >= 1, got {clips_per_video}')
        if clip_window is not None and clip_window < 0:
            raise ValueError(f'clip_window must be None (independent clips) '
                             f'or >= 0 frames, got {clip_window}')
        self.clips_per_video = clips_per_video
        self.clip_window = clip_window

    def _check_multiple_sampling(self, readers: tuple) -> None:
        """Raise ValueError unless the pipeline starts with one of
        ``readers``, ``SampleFrames`` drawing one clip, and a decoder in
        ``readers``."""
        if self.clips_per_video == 1:
            return
        names = [transform_name(t) for t in self.pipeline.transforms[:3]]
        if (len(names) < 3 or names[1] != 'SampleFrames'
                or names[0] not in readers or names[2] not in readers):
            raise ValueError(
                'clips_per_video > 1 needs a pipeline that starts with a '
                'video reader, SampleFrames and the decoder (e.g. DecordInit,'
                f' SampleFrames, DecordDecode), got {names}')
        num_clips = getattr(self.pipeline.transforms[1], 'num_clips', 1)
        if num_clips != 1:
            raise ValueError('with clips_per_video > 1, SampleFrames must '
                             f'draw one clip (num_clips=1), got {num_clips}')

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

    def _frame_indices(self, sampler, info: dict) -> List[np.ndarray]:
        """The frame indices of each clip, [clip_len] each; the sampler's
        other outputs (clip_len, frame_interval, num_clips) go to ``info``."""
        drawn = {}
        clips = []
        for _ in range(self.clips_per_video):
            drawn = sampler(dict(total_frames=info['total_frames'],
                                 start_index=info['start_index']))
            clips.append(drawn['frame_inds'].reshape(-1))
        if self.clip_window is not None:
            clips = [clips[0]] + [
                self._near(clips[0], info['total_frames'],
                           info['start_index']) for _ in clips[1:]]
        info.update({key: value for key, value in drawn.items()
                     if key != 'frame_inds'})
        return clips

    def prepare_data(self, idx: int) -> Any:
        """One processed clip, or with ``clips_per_video > 1`` a list of
        them (None if the pipeline drops one)."""
        if self.clips_per_video == 1:
            return super().prepare_data(idx)
        reader, sampler, decoder, *rest = self.pipeline.transforms
        info = reader(self.get_data_info(idx))
        clips = self._frame_indices(sampler, info)
        # every frame once, in order: one forward pass of the decoder
        wanted, where = np.unique(np.concatenate(clips), return_inverse=True)
        info['frame_inds'] = wanted
        info = decoder(info)
        decoded = info.pop('imgs')
        # a frame two clips share is copied for the second: transforms such
        # as Flip work in place
        frames, used = [], set()
        for i in where.reshape(-1):
            frames.append(decoded[i].copy() if i in used else decoded[i])
            used.add(i)
        per_clip = Compose(rest)
        outputs, start = [], 0
        for inds in clips:
            clip = copy.deepcopy(info)
            clip['frame_inds'] = inds
            clip['imgs'] = frames[start:start + len(inds)]
            start += len(inds)
            clip = per_clip(clip)
            if clip is None:
                return None
            outputs.append(clip)
        return outputs
