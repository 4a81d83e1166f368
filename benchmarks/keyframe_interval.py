"""Which keyframe interval should tools/prepare_videos.py default to?

Prepares the same real videos at a 320 px short side with several keyframe
intervals (``--gop``), then measures for each: the disk the prepared set
takes, the preparation time, and the K400 pretraining pipeline's ms per
clip (one process, one thread) with one clip per video and with two clips
from one stretch of decoding (SMILE's multiple sampling with
``clip_window``). A shorter interval decodes less before a random start,
but every keyframe costs bytes.

    python benchmarks/keyframe_interval.py [--videos DIR] [--gops 250 64 32 16 8 1]
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
from benchmarks.data_throughput import prepared, seconds_per_clip  # noqa
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.engine import resolve_references  # noqa: E402


def folder_bytes(folder: str) -> int:
    return sum(osp.getsize(osp.join(folder, name))
               for name in os.listdir(folder)
               if osp.isfile(osp.join(folder, name)))


def video_seconds(videos) -> float:
    """Total duration (frames / fps) of the videos, read with decord."""
    import decord
    total = 0.0
    for path in videos:
        reader = decord.VideoReader(path, num_threads=1)
        total += len(reader) / max(reader.get_avg_fps(), 1e-6)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', default=DEFAULT_VIDEOS)
    parser.add_argument('--gops', type=int, nargs='+',
                        default=[250, 64, 32, 16, 8, 1])
    parser.add_argument('--passes', type=int, default=3)
    parser.add_argument('--clip-window', type=int, default=16)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    sources = list_videos(args.videos)
    if not sources:
        print(f'no videos under {args.videos}; pass --videos DIR')
        return 1
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    cfg = resolve_references(Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_k400.py')))
    hours = video_seconds(sources) / 3600
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for gop in args.gops:
            out = osp.join(folder, f'gop{gop}')
            start = time.perf_counter()
            prepared(args.videos, out, gop)
            prepare_s = time.perf_counter() - start
            ann = osp.join(folder, f'gop{gop}.txt')
            with open(ann, 'w') as file:
                file.writelines(f'{osp.basename(v)} 0\n'
                                for v in list_videos(out))
            timings = []
            for clips, window in ((1, None), (2, args.clip_window)):
                np.random.seed(0)
                dataset = DATASETS.build(dict(
                    cfg.train_dataloader.dataset, ann_file=ann,
                    data_prefix=dict(video=out), clips_per_video=clips,
                    clip_window=window))
                timings.append(seconds_per_clip(dataset, args.passes))
            size = folder_bytes(out) - (
                osp.getsize(osp.join(out, 'videos.txt'))
                if osp.isfile(osp.join(out, 'videos.txt')) else 0)
            rows.append([
                str(gop), f'{size / 2**20:.1f}',
                f'{size / 2**30 / hours:.2f}',
                f'{prepare_s / hours / 60:.0f}',
                f'{timings[0] * 1e3:.1f}', f'{timings[1] * 1e3:.1f}'])
            print(' | '.join(rows[-1]), flush=True)
    cpus = os.cpu_count() or 1
    notes = (
        f'{len(sources)} real clips ({hours * 60:.1f} min of video; mmaction2 '
        'demo and test videos, two of them full HD) prepared by '
        f'tools/prepare_videos.py at a 320 px short side, crf 23, on {cpus} '
        f'cores; ms per clip: the K400 pretraining pipeline (overlay and '
        f'masking included), {args.passes} passes, one process, one thread; '
        f'"2 clips" draws both within {args.clip_window} frames. '
        f'Preparation minutes per hour of video are wall time on all '
        f'{cpus} cores.')
    print(notes)
    if not args.no_write:
        record('keyframe_interval', 'Keyframe interval of prepared videos: '
               'disk against decode time',
               ' '.join(['python benchmarks/keyframe_interval.py'] +
                        sys.argv[1:]),
               ['keyframe every (frames)', 'MB (this set)',
                'GB per hour of video', 'preparation min per hour of video',
                'ms per clip, 1 clip', 'ms per clip, 2 clips'], rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
