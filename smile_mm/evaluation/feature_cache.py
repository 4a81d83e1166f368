"""Frozen-encoder features of every view of every video, computed once.

A cache is a folder: ``features.npy`` ([N, V, C] float32, read back as a
memory map), ``labels.npy`` ([N] int64) and ``manifest.json``, the record
of what produced them (the dataset and its pipeline, the flips, the
checkpoint's sha256, the encoder's config) plus the videos that could not
be read (their rows are NaN). Every file is written whole (a temporary
file, then a rename), the manifest last, so a folder either holds a
complete cache or none; a cache is reused only when its manifest matches
what is asked now and its arrays read back with the recorded shapes.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

from ..datasets.loading_guard import LoadingStep, UnreadableSample
from ..fileio import write_whole

FEATURES, LABELS, MANIFEST = 'features.npy', 'labels.npy', 'manifest.json'


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def load_cache(folder: str, wanted: Dict
               ) -> Optional[Tuple[np.ndarray, np.ndarray, Dict]]:
    """(features memory map, labels, manifest) when ``folder`` holds a
    complete cache made as ``wanted`` describes, else None."""
    path = osp.join(folder, MANIFEST)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as file:
            manifest = json.load(file)
        # compared as JSON gives them back (integer keys become strings)
        if not isinstance(manifest, dict) or _canonical(
                manifest.get('produced_by')) != _canonical(
                    json.loads(_canonical(wanted))):
            return None
        features = np.load(osp.join(folder, FEATURES), mmap_mode='r')
        labels = np.load(osp.join(folder, LABELS))
    except (OSError, ValueError):
        return None
    if (list(features.shape) != manifest.get('shape')
            or labels.shape != features.shape[:1]):
        return None
    return features, labels, manifest


class _Guarded(torch.utils.data.Dataset):
    """``(index, packed sample or None, error message or None)``: a video
    that cannot be read is reported, not raised. Datasets that tell
    unreadable files from other errors (smile_mm's tolerant datasets) raise
    the other errors: they are bugs, not bad videos."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset
        pipeline = getattr(dataset, 'pipeline', None)
        self.tells = any(isinstance(transform, LoadingStep)
                         for transform in getattr(pipeline, 'transforms', []))

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        try:
            if self.tells:  # the pipeline itself: not the test-mode error
                packed = self.dataset.pipeline(
                    self.dataset.get_data_info(index))
            else:
                packed = self.dataset.prepare_data(index)
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


def _as_list(batch: list) -> list:
    return batch


def _labels(dataset) -> np.ndarray:
    labels = []
    for index in range(len(dataset)):
        label = dataset.get_data_info(index).get('label')
        if isinstance(label, torch.Tensor):
            label = label.tolist()
        if isinstance(label, (list, tuple, np.ndarray)):
            if len(label) != 1:
                raise ValueError(
                    f'video {index} has labels {label}: linear probing and '
                    f'k-NN here need one class per video (not multi-label '
                    f'datasets such as Charades)')
            label = label[0]
        if label is None:
            raise ValueError(f'video {index} has no label')
        labels.append(int(label))
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
    os.makedirs(folder, exist_ok=True)
    if osp.exists(osp.join(folder, MANIFEST)):  # no stale record meanwhile
        os.remove(osp.join(folder, MANIFEST))
    labels = _labels(dataset)
    loader = torch.utils.data.DataLoader(
        _Guarded(dataset), batch_size=batch_size, num_workers=num_workers,
        collate_fn=_as_list, shuffle=False)
    tmp = osp.join(folder, f'.{FEATURES}.{os.getpid()}.tmp')
    features = None
    failed: Dict[str, str] = {}
    done = 0
    try:
        for batch in loader:
            good = [(index, packed) for index, packed, error in batch
                    if error is None]
            for index, _, error in batch:
                if error is not None:
                    failed[str(index)] = f'{_source(dataset, index)}: {error}'
            if good:
                samples = [packed for _, packed in good]
                views = samples[0]['inputs'].shape[0]
                expected = (views if features is None else
                            features.shape[1] // (2 if flip else 1))
                counts = sorted({s['inputs'].shape[0] for s in samples})
                if counts != [expected]:
                    raise ValueError(
                        f'videos of one dataset gave {counts} views, '
                        f'expected {expected} for every video: the '
                        'pipeline must give each video the same views')
                encoded = [encode(samples)]
                if flip:
                    mirrored = [dict(s, inputs=s['inputs'].flip(-1))
                                for s in samples]
                    encoded.append(encode(mirrored))
                encoded = [e.reshape(len(good), views, -1) for e in encoded]
                values = torch.cat(encoded, 1).float().cpu().numpy()
                if features is None:
                    features = np.lib.format.open_memmap(
                        tmp, mode='w+', dtype=np.float32,
                        shape=(len(dataset), ) + values.shape[1:])
                    features[:] = np.nan
                features[[index for index, _ in good]] = values
            done += len(batch)
            if progress is not None:
                progress(done)
        if features is None:
            raise RuntimeError(
                f'none of the {len(dataset)} videos could be read; first '
                f'failures: {list(failed.values())[:3]}')
        features.flush()
        shape = list(features.shape)
        del features
        os.replace(tmp, osp.join(folder, FEATURES))
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    write_whole(osp.join(folder, LABELS),
                lambda file: np.save(file, labels))
    manifest = dict(produced_by=wanted, shape=shape, flip=flip,
                    failed=failed, videos=len(labels))
    write_whole(osp.join(folder, MANIFEST), lambda file: file.write(
        json.dumps(manifest, indent=1, sort_keys=True,
                   default=str).encode()))
    loaded = load_cache(folder, wanted)
    if loaded is None:
        raise RuntimeError(f'the cache written to {folder} does not read '
                           'back')
    return loaded
