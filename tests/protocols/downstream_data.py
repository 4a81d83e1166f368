"""Tiny datasets for downstream configs: videos and annotation lists in the
format each config's dataset reads."""
import os
import os.path as osp

import numpy as np

from smile_mm.engine import resolve_references

from ..conftest import write_video

SPLITS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def write_videos(folder, num_videos=3, seed=0, frames=24):
    """``v0.mp4`` ... in ``folder`` (kept when already there)."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for index in range(num_videos):
        path = osp.join(folder, f'v{index}.mp4')
        if not osp.exists(path):
            write_video(path, rng.integers(0, 256, (frames, 48, 64, 3),
                                           np.uint8))


def write_list(path, dataset, num_videos, num_classes):
    """An annotation list for ``dataset`` (a resolved dataset config):
    ``path count`` for repetition counting, ``path label label`` for
    multi-label sets, else ``path label``."""
    lines = []
    for index in range(num_videos):
        if dataset.type == 'RepetitionCountDataset':
            lines.append(f'v{index}.mp4 {index + 2}')
        elif dataset.get('multi_class'):
            lines.append(f'v{index}.mp4 {index % num_classes} '
                         f'{(index + 1) % num_classes}')
        else:
            lines.append(f'v{index}.mp4 {index % num_classes}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')


def make_data(cfg, root, num_videos=3):
    """Write videos and annotation files for every split of ``cfg`` at the
    paths it names, relative paths taken from ``root``."""
    cfg = resolve_references(cfg)
    num_classes = cfg.model.cls_head.get('num_classes', 2)
    for split in SPLITS:
        if cfg.get(split) is None:
            continue
        dataset = cfg[split].dataset
        write_videos(osp.join(root, dataset.data_prefix.video), num_videos)
        write_list(osp.join(root, dataset.ann_file), dataset, num_videos,
                   num_classes)
