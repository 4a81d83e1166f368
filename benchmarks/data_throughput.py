"""Data loading for pretraining: clips per second per CPU core, and loader
workers per GPU.

Runs the K400 pretraining pipeline (decord decode, MultiScaleCrop, Resize,
Flip, SyntheticMotionOverlay, TubeTrajectoryMaskGenerator, packing) of
configs/_base_/datasets/pretrain_k400.py on real videos in one process with
one thread, with one clip per decoded video and with multiple sampling (two
clips from each decode, the paper's setting), and derives how many loader
workers keep a GPU of a given speed fed.

    python benchmarks/data_throughput.py [--videos DIR] [--passes 3]
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

GPU_SPEEDS = (100, 250, 500, 1000)  # training clips/s of one GPU


def seconds_per_clip(dataset, passes: int) -> float:
    clips, start = 0, time.perf_counter()
    for _ in range(passes):
        for index in range(len(dataset)):
            sample = dataset.prepare_data(index)
            clips += len(sample) if isinstance(sample, list) else 1
    return (time.perf_counter() - start) / clips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', default=DEFAULT_VIDEOS)
    parser.add_argument('--passes', type=int, default=3)
    parser.add_argument('--max-height', type=int, default=480,
                        help='skip sources taller than this (K400 as '
                        'mmaction2 prepares it is 256-320 px; full-HD '
                        'sources decode about 10x slower)')
    parser.add_argument('--clip-window', type=int, default=None,
                        help='also measure 2 clips per decode with the '
                        'second clip within this many frames of the first')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    videos = list_videos(args.videos)
    import decord
    heights = {v: decord.VideoReader(v, num_threads=1)[0].shape[0]
               for v in videos}
    skipped = [v for v in videos if heights[v] > args.max_height]
    videos = [v for v in videos if heights[v] <= args.max_height]
    if not videos:
        print(f'no videos of at most {args.max_height} px under '
              f'{args.videos}; pass --videos DIR or --max-height')
        return 1
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_k400.py'))
    rows, per_clip = [], {}
    with tempfile.TemporaryDirectory() as folder:
        ann = osp.join(folder, 'list.txt')
        with open(ann, 'w') as file:
            file.writelines(f'{osp.basename(v)} 0\n' for v in videos)
        settings = [(1, None, '1 clip(s) per decode'),
                    (2, None, '2 clip(s) per decode')]
        if args.clip_window is not None:
            settings.append((2, args.clip_window, f'2 clips per decode, '
                             f'within {args.clip_window} frames'))
        for clips_per_video, window, name in settings:
            np.random.seed(0)
            dataset = DATASETS.build(dict(
                cfg.train_dataloader.dataset, ann_file=ann,
                data_prefix=dict(video=args.videos),
                clips_per_video=clips_per_video, clip_window=window))
            seconds = seconds_per_clip(dataset, args.passes)
            per_clip.setdefault(clips_per_video, seconds)
            rows.append([name,
                         f'{seconds * 1e3:.1f}', f'{1 / seconds:.1f}'] + [
                             f'{np.ceil(speed * seconds):.0f}'
                             for speed in GPU_SPEEDS])
            print(' | '.join(rows[-1]), flush=True)
    header = (['sampling', 'ms per clip', 'clips/s per core'] +
              [f'workers for {s} clips/s' for s in GPU_SPEEDS])
    saving = 1 - per_clip[2] / per_clip[1]
    notes = (f'{len(videos)} real clips of at most {args.max_height} px '
             f'(mmaction2 demo and test videos; {len(skipped)} full-HD ones '
             f'left out: their decode costs about 10x, so resize a dataset '
             f'to a short side of 320 px once, as mmaction2 prepares K400), '
             f'{args.passes} passes, one thread per process. Multiple '
             f'sampling saves {saving:.0%} of the CPU time per clip: the '
             'decode is shared. A loader worker is one process on one core; '
             'a GPU training at N clips/s needs N x (ms per clip) / 1000 '
             'of them.')
    print(notes)
    if not args.no_write:
        record('data_throughput', 'Data loading per CPU core',
               'python benchmarks/data_throughput.py', header, rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
