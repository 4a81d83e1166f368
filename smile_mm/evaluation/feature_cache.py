"""Frozen-encoder features of every view of every video, computed once.

A cache is a folder, a :class:`~smile_mm.fileio.RecordCache`:
``features.npy`` ([N, V, C] float32, memory-mapped), ``labels.npy`` ([N]
int64) and ``manifest.json``, the record of what produced them (dataset,
pipeline, flips, checkpoint sha256, encoder config) and of the videos that
could not be read (their rows are NaN).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose

from ..datasets.transforms.loading_guard import LoadingStep, UnreadableSample
from ..fileio import RecordCache, StaleEntry, temporary_path

FEATURES, LABELS, MANIFEST = 'features.npy', 'labels.npy', 'manifest.json'


def _entry(folder: str) -> RecordCache:
    return RecordCache(osp.join(folder, MANIFEST), dict(
        features=osp.join(folder, FEATURES), labels=osp.join(folder, LABELS)))


def load_cache(folder: str, wanted: Dict
               ) -> Optional[Tuple[np.ndarray, np.ndarray, Dict]]:
    """(features [N, V, C] memory map, labels [N], manifest) when ``folder``
    holds a complete cache made as ``wanted`` describes, else None."""
    try:
        arrays, manifest = _entry(folder).read(wanted)
    except StaleEntry:
        return None
    return arrays['features'], np.array(arrays['labels']), manifest


class _Guarded(torch.utils.data.Dataset):
    """``(index, packed sample or None, error message or None)``: a video
    that cannot be read is reported, not raised. Datasets that tell
    unreadable files from other errors (smile_mm's tolerant datasets) raise
    the other errors: they are bugs, not bad videos."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset
        transforms = list(getattr(getattr(dataset, 'pipeline', None),
                                  'transforms', []))
        self.tells = any(isinstance(transform, LoadingStep)
                         for transform in transforms)
        # the transforms alone: not the parts around them, which skip an
        # unreadable file or raise the test-mode error
        self.transforms = Compose(transforms)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        try:
            packed = (self.transforms(self.dataset.get_data_info(index))
                      if self.tells else self.dataset.prepare_data(index))
            if packed is None:
                raise RuntimeError('the pipeline returned None')
            return index, packed, None
        except UnreadableSample as failure:
            return index, None, (f'{type(failure.error).__name__}: '
                                 f'{failure.error}')
        except Exception as error:  # noqa: BLE001 - reported per video
            if self.tells:
                raise
            return index, None, f'{type(error).__name__}: {error}'


def _labels(dataset) -> np.ndarray:
    labels = []
    for index in range(len(dataset)):
        label = dataset.get_data_info(index).get('label')
        if label is None:
            raise ValueError(f'video {index} has no label')
        label = np.asarray(label).reshape(-1).tolist()  # int, list, tensor
        if len(label) != 1:
            raise ValueError(
                f'video {index} has labels {label}: linear probing and k-NN '
                'here need one class per video (not multi-label datasets '
                'such as Charades)')
        labels.append(int(label[0]))
    return np.array(labels, np.int64)


def _source(dataset, index: int) -> str:
    info = dataset.get_data_info(index)
    return str(info.get('filename') or info.get('frame_dir') or index)


def extract_features(encode: Callable[[List[dict]], torch.Tensor], dataset,
                     folder: str, wanted: Dict, flip: bool = False,
                     batch_size: int = 8, num_workers: int = 0,
                     progress: Optional[Callable[[int], None]] = None
                     ) -> Tuple[np.ndarray, np.ndarray, Dict]:
    """Fill ``folder`` with the features of every view of ``dataset``.

    Args:
        encode: Maps a list of packed samples (``PackActionInputs``
            outputs, each with V views) to [B * V, C] features, views of a
            sample consecutive.
        dataset: An mmaction2 dataset in test mode (its pipeline gives each
            video its views: temporal clips, crops).
        folder: Where the cache is written.
        wanted: The record of what produces the features; stored in the
            manifest and compared by :func:`load_cache`.
        flip: Also encode every view mirrored left to right (the views
            become 2V: the V views, then their mirror images).
        batch_size: Videos per encoder call.
        num_workers: Data-loading processes.
        progress: Called with the number of videos done after each batch.

    Returns:
        (features [N, V', C] memory map, labels [N], manifest); rows of
        videos that could not be read are NaN and listed in the manifest's
        ``failed`` ({index: reason}).
    """
    labels = _labels(dataset)
    loader = torch.utils.data.DataLoader(
        _Guarded(dataset), batch_size=batch_size, num_workers=num_workers,
        collate_fn=list, shuffle=False)
    cache = _entry(folder)
    tmp = temporary_path(cache.arrays['features'])  # filled in place
    features = None
    failed: Dict[str, str] = {}
    done = 0
    try:
        for batch in loader:
            for index, _, error in batch:
                if error is not None:
                    failed[str(index)] = f'{_source(dataset, index)}: {error}'
            indices = [index for index, _, error in batch if error is None]
            samples = [packed for _, packed, error in batch if error is None]
            if samples:
                views = (samples[0]['inputs'].shape[0] if features is None
                         else features.shape[1] // (2 if flip else 1))
                counts = sorted({s['inputs'].shape[0] for s in samples})
                if counts != [views]:
                    raise ValueError(
                        f'videos of one dataset gave {counts} views, '
                        f'expected {views} for every video: the '
                        'pipeline must give each video the same views')
                encoded = [encode(samples)]
                if flip:
                    encoded.append(encode([dict(s, inputs=s['inputs'].flip(-1))
                                           for s in samples]))
                values = torch.cat([e.reshape(len(samples), views, -1)
                                    for e in encoded], 1).float().cpu().numpy()
                if features is None:
                    os.makedirs(folder, exist_ok=True)
                    features = np.lib.format.open_memmap(
                        tmp, mode='w+', dtype=np.float32,
                        shape=(len(dataset), ) + values.shape[1:])
                    features[:] = np.nan
                features[indices] = values
            done += len(batch)
            if progress is not None:
                progress(done)
        if features is None:
            raise RuntimeError(
                f'none of the {len(dataset)} videos could be read; first '
                f'failures: {list(failed.values())[:3]}')
        cache.write(wanted, dict(features=features, labels=labels),
                    flip=flip, failed=failed, videos=len(labels))
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    loaded = load_cache(folder, wanted)
    if loaded is None:
        raise RuntimeError(f'the cache written to {folder} does not read '
                           'back')
    return loaded
