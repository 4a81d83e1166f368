"""Time one SMILE pretraining iteration of a ViT-S on this machine's CPU.

Forward, backward and AdamW step of the student, plus the target: VideoMAE's
pixels, or a CLIP ViT-B/16 teacher (random weights: the same arithmetic as
the real one) on the first frame of each tubelet. Batch of 2 clips of 16
frames at 112 and 224 pixels, mask ratio 0.8.

    python benchmarks/train_step_speed.py [--iters 3] [--no-write]
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
import time

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmaction.structures import ActionDataSample  # noqa: E402

from smile_mm.datasets import TubeTrajectoryMaskGenerator  # noqa: E402

TARGETS = {
    'pixels': dict(type='PixelTarget'),
    'CLIP ViT-B/16': dict(type='CLIPTeacher', model_name='ViT-B-16',
                          pretrained=None, on_missing_weights='random'),
}


def samples_with_masks(masks) -> list:
    samples = []
    for mask in masks:
        sample = ActionDataSample()
        sample.set_field(torch.from_numpy(mask), 'mask')
        samples.append(sample)
    return samples


def step_seconds(size: int, target: dict, iters: int, batch: int) -> float:
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', arch='small', img_size=size),
        neck=dict(type='VideoMAEDecoder', embed_dims=192, num_heads=3),
        head=dict(type='CLIPTargetHead'), target_generator=target))
    model.init_weights()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-4))
    rng = np.random.default_rng(0)
    masks = TubeTrajectoryMaskGenerator(input_size=(16, size, size))
    data = dict(
        inputs=[torch.from_numpy(rng.integers(0, 256, (1, 3, 16, size, size),
                                              dtype=np.uint8))
                for _ in range(batch)],
        data_samples=samples_with_masks(
            [masks.sample(rng) for _ in range(batch)]))
    model.train_step(data, optim)  # warm-up
    start = time.perf_counter()
    for _ in range(iters):
        model.train_step(data, optim)
    return (time.perf_counter() - start) / iters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    init_default_scope('mmaction')
    rows = []
    for size in (112, 224):
        for name, target in TARGETS.items():
            seconds = step_seconds(size, target, args.iters, args.batch)
            rows.append([f'16x{size}x{size}', name, str(args.batch),
                         f'{seconds:.2f}', f'{seconds / args.batch:.2f}'])
            print(' | '.join(rows[-1]), flush=True)
    notes = (f'torch threads: {torch.get_num_threads()}. At 112 px the '
             'CLIP teacher still sees 224 px frames (its 14x14 patch '
             'features are averaged to the student\'s 7x7 tokens), so its '
             'cost does not shrink with the student\'s.')
    if not args.no_write:
        record('train_step', 'One ViT-S pretraining iteration on the CPU',
               'python benchmarks/train_step_speed.py',
               ['clip', 'target', 'batch', 's / iteration', 's / clip'],
               rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
