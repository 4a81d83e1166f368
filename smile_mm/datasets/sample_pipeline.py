"""What runs around a dataset's transforms for each sample.

mmengine's ``BaseDataset`` runs ``dataset.pipeline(dataset.get_data_info(
index))`` and, when that returns None, draws another sample (its
``max_refetch`` loop; in test mode None is an error). Each part below wraps
the built ``Compose`` with the same interface (``transforms`` and every
other attribute read through), so it composes with any mmengine or mmaction2
dataset; a clip's path from ``dataset[index]`` to its first transform is
this file::

    dataset.pipeline = SeededSamples(SkipUnreadable(MultipleClips(Compose)))
"""
from __future__ import annotations

import copy
import logging
import os.path as osp
import random
from typing import Any, Callable, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset, Compose
from mmengine.logging import print_log

from .transforms.loading_guard import (LOADING_TRANSFORMS, UnreadableSample,
                                       guard_loading)
from .transforms.pipeline_order import transform_name

_UNSET = -1
_MAX_LISTED = 50


class _Around:
    """A dataset's pipeline with one job done around it; every attribute
    (``transforms``, another part's) reads through to the pipeline."""

    def __init__(self, pipeline: Callable) -> None:
        self.pipeline = pipeline

    def __getattr__(self, name: str):
        if name == 'pipeline':  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.pipeline!r})'


def sample_seed(seed: int, epoch: int, index: int, salt: int = 0) -> int:
    """A 32-bit seed from (seed, epoch, index), well mixed; ``salt`` tells
    apart the datasets of one concatenation."""
    entropy = [seed & 0xFFFFFFFF, epoch, index] + ([salt] if salt else [])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


class SeededSamples(_Around):
    """Seeds numpy and ``random`` from (seed, epoch, sample index) before
    each sample, once :class:`~smile_mm.datasets.SeededSampler` publishes a
    seed (in shared memory, read by the loader workers): a sample then does
    not depend on the worker that runs it, nor on a restart. After a sample
    gives None, mmengine draws another from the same generators, and that
    one goes on with them, so that a refetch cannot loop on its index.

    Args:
        pipeline: The dataset's pipeline.
        salt: Tells apart datasets whose indices overlap (the parts of a
            ``ConcatDataset``).
    """

    def __init__(self, pipeline: Callable, salt: int = 0) -> None:
        super().__init__(pipeline)
        self.salt = int(salt)
        self.state = torch.full((2, ), _UNSET,
                                dtype=torch.int64).share_memory_()
        self.refetching = False  # this process's last sample gave None

    def publish(self, seed: int, epoch: int) -> None:
        """Seed the samples of ``epoch`` from ``seed`` from now on."""
        if seed is None or seed < 0:
            raise ValueError(f'a sample seed must be an integer >= 0, got '
                             f'{seed!r}; set randomness.seed in the config')
        self.state[0] = int(seed) & 0xFFFFFFFF
        self.state[1] = int(epoch)

    def __call__(self, info: dict) -> Any:
        seed, epoch = (int(value) for value in self.state)
        if seed != _UNSET and not self.refetching:
            state = sample_seed(seed, epoch, int(info['sample_idx']),
                                self.salt)
            np.random.seed(state)
            random.seed(state)
        self.refetching = False
        data = self.pipeline(info)
        self.refetching = data is None
        return data


def seed_samples(dataset) -> List[SeededSamples]:
    """Put :class:`SeededSamples` around the pipeline of ``dataset``, or of
    each dataset of a ``ConcatDataset``, once; returns them.

    Raises:
        TypeError: Its samples do not run through a pipeline
            (``RepeatAugDataset``) or come several times an epoch, alike
            (``RepeatDataset``, ``ClassBalancedDataset``).
    """
    def datasets(dataset) -> list:
        name = type(dataset).__name__
        if hasattr(dataset, 'datasets'):
            return [part for inner in dataset.datasets
                    for part in datasets(inner)]
        if isinstance(dataset, BaseDataset):
            if type(dataset).prepare_data is BaseDataset.prepare_data:
                return [dataset]
            why = ('runs its transforms itself (its own prepare_data), '
                   'not through its pipeline')
        elif hasattr(dataset, 'dataset'):
            why = ('may show a sample of its dataset several times an '
                   'epoch, all seeded alike; raise the epochs instead')
        else:
            why = ('is not an mmengine BaseDataset, whose prepare_data runs '
                   'its pipeline')
        raise TypeError(
            f'SeededSampler cannot seed the samples of {name}: it {why}. '
            "Use sampler=dict(type='DefaultSampler') for it; "
            'TolerantVideoDataset(clips_per_video=k) draws several clips '
            'per video, seeded.')

    parts = []
    for salt, inner in enumerate(datasets(dataset)):
        if not isinstance(inner.pipeline, SeededSamples):
            inner.pipeline = SeededSamples(inner.pipeline, salt)
        parts.append(inner.pipeline)
    return parts


class SkipUnreadable(_Around):
    """Skips samples whose files cannot be read, counts them, and stops when
    more than ``max_failure_ratio`` of the dataset failed.

    A loading step (``loading_transforms``) that fails raises
    :class:`UnreadableSample`: the sample is logged with its file and gives
    None, and mmengine draws another. Failure flags are in shared memory, so
    loader workers add up to one count and a failed file is not opened
    again. Other errors are bugs and raised as they are; in test mode every
    failure is an error. ``check_files`` names every missing file in one
    message at build (an error in test mode or beyond the bound, else a
    warning, and skipped from then on). The flags are sized at build, so a
    dataset built with ``lazy_init=True`` is fully initialised then.

    Args:
        pipeline: The dataset's pipeline.
        dataset: The dataset (its list, ``test_mode`` and ``ann_file``).
        max_failure_ratio: Largest tolerated share of unreadable files.
        loading_transforms: Names of the transforms whose failure marks a
            file unreadable (default: mmaction's decoders and readers).
        check_files: Look for every listed file once, now.
    """

    def __init__(self, pipeline: Callable, dataset,
                 max_failure_ratio: float = 0.05,
                 loading_transforms: Optional[Sequence[str]] = None,
                 check_files: bool = True) -> None:
        if not 0.0 <= max_failure_ratio < 1.0:
            raise ValueError(
                f'max_failure_ratio must lie in [0, 1), got '
                f'{max_failure_ratio}; 0 makes any unreadable video an error')
        super().__init__(pipeline)
        self.loading_transforms = tuple(
            LOADING_TRANSFORMS if loading_transforms is None else
            loading_transforms)
        guard_loading(pipeline, self.loading_transforms)
        self.max_failure_ratio = float(max_failure_ratio)
        self.test_mode = bool(dataset.test_mode)
        self.source = dataset.ann_file or 'the dataset'
        self.failed = torch.zeros(len(dataset), dtype=torch.bool)
        self.failed.share_memory_()  # one count for all loader workers
        self.failed_files: List[str] = []
        if check_files:
            self._check_files(dataset)

    @property
    def num_failed(self) -> int:
        """Files that failed so far (in this process and its workers)."""
        return int(self.failed.sum())

    def _check_files(self, dataset) -> None:
        missing = []
        for index in range(len(dataset)):
            path = _source_name(dataset.get_data_info(index), None)
            if path and '://' not in path and not osp.exists(path):
                missing.append((index, path))
        if not missing:
            return
        count, total = len(missing), len(self.failed)
        listed = '\n  '.join(path for _, path in missing[:_MAX_LISTED])
        if count > _MAX_LISTED:
            listed += f'\n  ... and {count - _MAX_LISTED} more'
        if self.test_mode or count > self.max_failure_ratio * total:
            why = ('evaluation sets must be complete' if self.test_mode else
                   f'more than max_failure_ratio={self.max_failure_ratio}')
            raise FileNotFoundError(
                f'{count} of {total} files listed in {self.source} do not '
                f'exist ({why}):\n  {listed}\ncheck data_prefix '
                f'({dataset.data_prefix}) and the paths in {self.source}')
        for index, path in missing:
            self.failed[index] = True
            self.failed_files.append(path)
        print_log(f'{count} of {total} files listed in {self.source} do not '
                  f'exist and are skipped (limit max_failure_ratio='
                  f'{self.max_failure_ratio:.1%} of the samples):\n  '
                  f'{listed}', logger='current', level=logging.WARNING)

    def __call__(self, info: dict) -> Any:
        index = info['sample_idx']
        if bool(self.failed[index]):
            return None
        try:
            return self.pipeline(info)
        except UnreadableSample as failure:
            self._record(index, _source_name(info, index), failure)
            return None

    def _record(self, index: int, name: str,
                failure: UnreadableSample) -> None:
        if self.test_mode:
            raise RuntimeError(
                f'cannot load {name} ({failure}); evaluation sets must be '
                f'fully readable: fix the file or remove it from '
                f'{self.source}') from failure.error
        self.failed[index] = True
        self.failed_files.append(name)
        failed, total = self.num_failed, len(self.failed)
        print_log(
            f'skipped unreadable {name} ({failure}); {failed} of {total} '
            f'samples failed so far, limit {self.max_failure_ratio:.1%}',
            logger='current', level=logging.WARNING)
        if failed > self.max_failure_ratio * total:
            listed = '\n  '.join(self.failed_files[-10:])
            raise RuntimeError(
                f'{failed} of {total} samples ({failed / total:.1%}) could '
                f'not be loaded, more than max_failure_ratio='
                f'{self.max_failure_ratio}. Last failures:\n  {listed}\n'
                f'Check data_prefix and ann_file, or raise '
                f'max_failure_ratio.') from failure.error


def _source_name(info: dict, index: Optional[int]) -> Optional[str]:
    for key in ('filename', 'frame_dir', 'img_path'):
        if info.get(key):
            return str(info[key])
    return None if index is None else f'sample {index}'


class MultipleClips(_Around):
    """Several clips from each decoded video (paper F.3).

    The video is decoded once, ``k`` clips are drawn from it, and each runs
    the rest of the transforms on its own (its own crop, overlay and mask);
    a sample is a list of ``k`` clips (collate with mmaction2's
    ``repeat_pseudo_collate``). Unlike mmaction2's ``RepeatAugDataset``, the
    decoder reads the frames of all clips in one ascending pass, each frame
    once, with any decoder. The pipeline must start with a video reader,
    ``SampleFrames`` drawing one clip and the decoder (e.g. ``DecordInit``,
    ``SampleFrames``, ``DecordDecode``).

    Args:
        pipeline: The dataset's pipeline (a ``Compose``).
        clips_per_video: Clips drawn from each decoded video (1: the
            pipeline as it is).
        clip_window: Largest distance, in frames, of a further clip's start
            from the first clip's (uniformly, inside the video: one stretch
            of decoding); ``None`` draws clips independently.
        readers: Names of the readers and decoders.
    """

    def __init__(self, pipeline: Compose, clips_per_video: int = 1,
                 clip_window: Optional[int] = None,
                 readers: Sequence[str] = LOADING_TRANSFORMS) -> None:
        if clips_per_video < 1:
            raise ValueError(
                f'clips_per_video must be >= 1, got {clips_per_video}')
        if clip_window is not None and clip_window < 0:
            raise ValueError(f'clip_window must be None (independent clips) '
                             f'or >= 0 frames, got {clip_window}')
        super().__init__(pipeline)
        self.clips_per_video = clips_per_video
        self.clip_window = clip_window
        if clips_per_video == 1:
            return
        names = [transform_name(t) for t in pipeline.transforms[:3]]
        if (len(names) < 3 or names[1] != 'SampleFrames'
                or names[0] not in readers or names[2] not in readers):
            raise ValueError(
                'clips_per_video > 1 needs a pipeline that starts with a '
                'video reader, SampleFrames and the decoder (e.g. DecordInit,'
                f' SampleFrames, DecordDecode), got {names}')
        num_clips = getattr(pipeline.transforms[1], 'num_clips', 1)
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
        drawn, clips = {}, []
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

    def __call__(self, info: dict) -> Any:
        if self.clips_per_video == 1:
            return self.pipeline(info)
        reader, sampler, decoder, *rest = self.pipeline.transforms
        info = reader(info)
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
