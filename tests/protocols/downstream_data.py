"""Tiny datasets at the paths a downstream config names."""
import os
import os.path as osp

import numpy as np

from ..conftest import write_video

SPLITS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def make_data(cfg, root, num_videos=3, seed=0):
    """Write videos and annotation files for every split of ``cfg`` under
    ``root`` (the config's relative paths are taken from there)."""
    rng = np.random.default_rng(seed)
    num_classes = cfg.model.cls_head.get('num_classes', 2)
    for split in SPLITS:
        if cfg.get(split) is None:
            continue
        dataset = cfg[split].dataset
        folder = osp.join(root, dataset.data_prefix.video)
        os.makedirs(folder, exist_ok=True)
        for index in range(num_videos):
            path = osp.join(folder, f'v{index}.mp4')
            if not osp.exists(path):
                frames = rng.integers(0, 256, (24, 48, 64, 3), np.uint8)
                write_video(path, frames)
        lines = []
        for index in range(num_videos):
            if dataset.type == 'RepetitionCountDataset':
                lines.append(f'v{index}.mp4 {index + 2}')
            elif dataset.get('multi_class'):
                lines.append(f'v{index}.mp4 {index} {index + 3}')
            else:
                lines.append(f'v{index}.mp4 {index % num_classes}')
        ann = osp.join(root, dataset.ann_file)
        os.makedirs(osp.dirname(ann), exist_ok=True)
        with open(ann, 'w') as file:
            file.write('\n'.join(lines) + '\n')


def shrink(cfg, work_dir):
    """A ViT of one 32-wide block and one epoch of a few iterations."""
    cfg.model.backbone.update(embed_dims=32, depth=1, num_heads=2)
    cfg.model.cls_head.in_channels = 32
    paramwise = cfg.optim_wrapper.get('paramwise_cfg') or {}
    if 'num_layers' in paramwise:
        cfg.optim_wrapper.paramwise_cfg.num_layers = 1
    for split in SPLITS:
        if cfg.get(split) is None:
            continue
        cfg[split].batch_size = 1 if split == 'test_dataloader' else 2
        cfg[split].num_workers = 0
        cfg[split].persistent_workers = False
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.work_dir = work_dir
    cfg.load_from = None
    return cfg
