"""Time decoding and the whole SMILE training pipeline per clip.

Runs the K400 pretraining pipeline of configs/_base_/datasets/pretrain_k400.py
(decord decode, MultiScaleCrop, Resize, Flip, overlay, masking, packing) on
real videos, one thread, and reports milliseconds per clip for decoding
alone and for the whole pipeline, and the clips per second one loader
worker delivers.

    python benchmarks/decode_pipeline_speed.py [--videos DIR] [--passes 5]
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.engine import resolve_references  # noqa: E402

DECODE_STEPS = 3  # DecordInit, SampleFrames, DecordDecode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', default=DEFAULT_VIDEOS)
    parser.add_argument('--passes', type=int, default=5)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    videos = list_videos(args.videos)
    if not videos:
        print(f'no videos under {args.videos}; pass --videos DIR')
        return 1
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    cfg = resolve_references(Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_k400.py')))
    with tempfile.TemporaryDirectory() as folder:
        ann = osp.join(folder, 'list.txt')
        with open(ann, 'w') as file:
            file.writelines(f'{osp.basename(v)} 0\n' for v in videos)
        dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                      ann_file=ann,
                                      data_prefix=dict(video=args.videos)))
        transforms = dataset.pipeline.transforms
        np.random.seed(0)
        decode, full, shapes = [], [], set()
        for _ in range(args.passes):
            for index in range(len(dataset)):
                info = dataset.get_data_info(index)
                start = time.perf_counter()
                for step, transform in enumerate(transforms):
                    info = transform(info)
                    if step == DECODE_STEPS - 1:
                        decoded = time.perf_counter()
                end = time.perf_counter()
                decode.append(decoded - start)
                full.append(end - start)
                shapes.add(tuple(info['inputs'].shape))
    decode_ms, full_ms = np.array(decode) * 1e3, np.array(full) * 1e3
    rows = [['decode (decord, 16 frames)', f'{np.median(decode_ms):.1f}',
             f'{decode_ms.mean():.1f}'],
            ['whole pipeline', f'{np.median(full_ms):.1f}',
             f'{full_ms.mean():.1f}'],
            ['clips/s per loader worker', '', f'{1e3 / full_ms.mean():.0f}']]
    for row in rows:
        print(' | '.join(row))
    notes = (f'{len(videos)} real clips (mmaction2 demo and test videos, '
             f'{args.passes} passes), output {sorted(shapes)}; the '
             'overlay and masking are a small part of a clip\'s cost next to '
             'decoding.')
    if not args.no_write:
        record('decode_pipeline', 'Decode and pipeline per clip (one thread)',
               'python benchmarks/decode_pipeline_speed.py',
               ['stage', 'median ms', 'mean ms'], rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
