"""Data loading for pretraining: clips per second per CPU core, and loader
workers per GPU, for videos as downloaded and as tools/prepare_videos.py
prepares them.

Runs the K400 pretraining pipeline (decord decode, MultiScaleCrop, Resize,
Flip, SyntheticMotionOverlay, TubeTrajectoryMaskGenerator, packing) of
configs/_base_/datasets/pretrain_k400.py on real videos in one process with
one thread, on three versions of the same videos:

* as downloaded (the files in ``--videos``);
* 320 px: H.264 at a short side of 320 px with libx264's default keyframe
  interval (``prepare_videos.py --gop 250``), as a plain resize gives;
* 320 px, short GOP: the same with a keyframe every 16 frames
  (``prepare_videos.py``'s default);

each with one clip per decoded video, two (multiple sampling, the paper's
setting) and two within ``--clip-window`` frames of each other (one stretch
of decoding), and derives how many loader workers keep a GPU of a given
speed fed.

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

from smile_mm.engine import resolve_references  # noqa: E402

GPU_SPEEDS = (250, 500, 1000)  # training clips/s of one GPU


def seconds_per_clip(dataset, passes: int) -> float:
    clips, start = 0, time.perf_counter()
    for _ in range(passes):
        for index in range(len(dataset)):
            sample = dataset.prepare_data(index)
            clips += len(sample) if isinstance(sample, list) else 1
    return (time.perf_counter() - start) / clips


def prepared(videos: str, out: str, gop: int) -> str:
    from tools.prepare_videos import main as prepare
    if prepare([videos, out, '--gop', str(gop), '--workers',
                str(os.cpu_count() or 1)]) != 0:
        raise SystemExit(f'prepare_videos.py could not prepare {videos}')
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', default=DEFAULT_VIDEOS)
    parser.add_argument('--passes', type=int, default=3)
    parser.add_argument('--clip-window', type=int, default=16,
                        help='frames between the starts of two clips drawn '
                        'from one stretch of decoding')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    if not list_videos(args.videos):
        print(f'no videos under {args.videos}; pass --videos DIR')
        return 1
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    cfg = resolve_references(Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_k400.py')))
    settings = [(1, None, '1 clip'), (2, None, '2 clips'),
                (2, args.clip_window, f'2 clips within {args.clip_window} '
                 'frames')]
    rows, per_clip = [], {}
    with tempfile.TemporaryDirectory() as folder:
        versions = [
            ('as downloaded', args.videos),
            ('320 px', prepared(args.videos, osp.join(folder, 'gop250'),
                                250)),
            ('320 px, keyframe every 16',
             prepared(args.videos, osp.join(folder, 'gop16'), 16)),
        ]
        for version, root in versions:
            ann = osp.join(folder, f'{len(per_clip)}.txt')
            with open(ann, 'w') as file:
                file.writelines(f'{osp.basename(v)} 0\n'
                                for v in list_videos(root))
            for clips_per_video, window, sampling in settings:
                np.random.seed(0)
                dataset = DATASETS.build(dict(
                    cfg.train_dataloader.dataset, ann_file=ann,
                    data_prefix=dict(video=root),
                    clips_per_video=clips_per_video, clip_window=window))
                seconds = seconds_per_clip(dataset, args.passes)
                per_clip[(version, sampling)] = seconds
                rows.append([version, sampling, f'{seconds * 1e3:.1f}',
                             f'{1 / seconds:.1f}'] + [
                                 f'{np.ceil(speed * seconds):.0f}'
                                 for speed in GPU_SPEEDS])
                print(' | '.join(rows[-1]), flush=True)
    header = (['videos', 'clips per decode', 'ms per clip',
               'clips/s per core'] +
              [f'workers for {s} clips/s' for s in GPU_SPEEDS])
    today = per_clip[('320 px', '2 clips')]
    best = per_clip[('320 px, keyframe every 16',
                     f'2 clips within {args.clip_window} frames')]
    notes = (f'{len(list_videos(args.videos))} real clips (mmaction2 demo '
             'and test videos, two of them full HD), '
             f'{args.passes} passes, one thread per process, the whole K400 '
             'pipeline per clip (overlay and masking included). The 320 px '
             'versions are made by tools/prepare_videos.py (H.264; '
             '--gop 250 and its default 16). A video\'s clips are decoded '
             'in one ascending pass. Prepared short-GOP videos with both '
             f'clips from one stretch take {best * 1e3:.1f} ms per clip '
             f'against {today * 1e3:.1f} ms for 320 px videos with '
             f'independent clips: {today / best:.2f}x. A loader worker is '
             'one process on one core; a GPU training at N clips/s needs '
             'N x (ms per clip) / 1000 of them.')
    print(notes)
    if not args.no_write:
        record('data_throughput', 'Data loading per CPU core',
               'python benchmarks/data_throughput.py', header, rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
