"""Does the GPU wait for data? The K400 recipe's whole loader against its
training step, on one GPU.

Builds the ViT-B K400 pretraining recipe (configs/smile/pretrain/...k400_clip)
with its real loader: decord decode, MultiScaleCrop, Resize, Flip,
SyntheticMotionOverlay, TubeTrajectoryMaskGenerator, packing,
``repeat_pseudo_collate``, pinned memory, ``--workers`` processes. Measures,
with one and with two clips per decode:

* the loader alone: clips/s delivered to the GPU (batches copied to the
  device, nothing trained);
* the training step alone: clips/s of ``model.train_step`` (bf16 autocast,
  bf16 teacher, AdamW) on one batch repeated;
* both together, as the Runner runs them: clips/s and the share of the wall
  time spent waiting for the next batch.

    python benchmarks/loader_vs_step.py --videos DIR [--workers 16]

The videos should be what a user trains on: mmaction2 prepares K400 at a
short side of 320 px (or 256).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List

import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.engine import resolve_references  # noqa: E402

RECIPES = {
    'small': 'configs/smile/pretrain/smile_vit-s_16x4x1_300+300e_k400_clip.py',
    'base': 'configs/smile/pretrain/smile_vit-b_16x4x1_300+300e_k400_clip.py',
}


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def clips_in(batch: Dict) -> int:
    return sum(int(x.shape[0]) for x in batch['inputs'])


def to_device(batch: Dict, device: str) -> None:
    for x in batch['inputs']:
        x.to(device, non_blocking=True)


def loader_alone(loader, batches: int, warmup: int, device: str) -> float:
    iterator = iter(loader)
    for _ in range(warmup):
        to_device(next(iterator), device)
    sync()
    clips, start = 0, time.perf_counter()
    for _ in range(batches):
        batch = next(iterator)
        to_device(batch, device)
        clips += clips_in(batch)
    sync()
    return clips / (time.perf_counter() - start)


def step_alone(model, optim_wrapper, batch: Dict, steps: int,
               warmup: int) -> float:
    for _ in range(warmup):
        model.train_step(batch, optim_wrapper)
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        model.train_step(batch, optim_wrapper)
    sync()
    return steps * clips_in(batch) / (time.perf_counter() - start)


def together(model, optim_wrapper, loader, batches: int,
             warmup: int) -> Dict[str, float]:
    iterator = iter(loader)
    for _ in range(warmup):
        model.train_step(next(iterator), optim_wrapper)
    sync()
    waited, clips, start = 0.0, 0, time.perf_counter()
    for _ in range(batches):
        before = time.perf_counter()
        batch = next(iterator)
        waited += time.perf_counter() - before
        clips += clips_in(batch)
        model.train_step(batch, optim_wrapper)  # its loss.item() syncs
    sync()
    wall = time.perf_counter() - start
    return dict(clips_per_s=clips / wall, wait=waited / wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', default=DEFAULT_VIDEOS)
    parser.add_argument('--arch', default='base', choices=sorted(RECIPES))
    parser.add_argument('--workers', type=int, default=16)
    parser.add_argument('--clips', type=int, default=32,
                        help='clips per batch (the paper: 32 per GPU)')
    parser.add_argument('--batches', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--compile', action='store_true')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    cuda = torch.cuda.is_available()  # a CPU run only checks the script
    videos = list_videos(args.videos)
    if not videos:
        raise SystemExit(f'no videos under {args.videos}')
    init_default_scope('mmaction')
    from mmaction.registry import MODELS
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner
    torch.backends.cudnn.benchmark = True
    rows: List[List[str]] = []
    folder = tempfile.mkdtemp(prefix='smile_loader_')
    ann = osp.join(folder, 'list.txt')
    total = args.clips * (args.batches + args.warmup + 2) * 3
    with open(ann, 'w') as file:
        file.writelines(f'{osp.basename(videos[i % len(videos)])} 0\n'
                        for i in range(total))
    cfg = resolve_references(Config.fromfile(osp.join(ROOT,
                                                    RECIPES[args.arch])))
    cfg.model.target_generator.update(pretrained=None,
                                      on_missing_weights='random',
                                      dtype='bf16')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model = model.to('cuda' if cuda else 'cpu')
    if args.compile:
        model.backbone = torch.compile(model.backbone)
        model.neck = torch.compile(model.neck)
    optim_cfg = (dict(cfg.optim_wrapper, type='AmpOptimWrapper',
                      dtype='bfloat16', loss_scale=dict(enabled=False))
                 if cuda else cfg.optim_wrapper)
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    step_rate = None
    for clips_per_video in (2, 1):
        loader_cfg = cfg.train_dataloader.copy()
        loader_cfg.update(batch_size=args.clips // clips_per_video,
                          num_workers=args.workers, persistent_workers=True)
        loader_cfg.dataset = dict(loader_cfg.dataset, ann_file=ann,
                                  data_prefix=dict(video=args.videos),
                                  clips_per_video=clips_per_video)
        if clips_per_video == 1:  # one dict per sample, not a list
            loader_cfg.collate_fn = dict(type='pseudo_collate')
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        alone = loader_alone(loader, args.batches, args.warmup,
                             'cuda' if cuda else 'cpu')
        if step_rate is None:
            batch = next(iter(loader))
            step_rate = step_alone(model, optim_wrapper, batch,
                                   args.batches, args.warmup)
        both = together(model, optim_wrapper, loader, args.batches,
                        args.warmup)
        per_worker = alone / args.workers
        needed = step_rate / per_worker
        rows.append([str(clips_per_video), str(args.workers),
                     f'{alone:.0f}', f'{per_worker:.1f}', f'{step_rate:.0f}',
                     f'{both["clips_per_s"]:.0f}',
                     f'{100 * both["wait"]:.0f}', f'{needed:.0f}'])
        print(' | '.join(rows[-1]), flush=True)
        del loader
    device = torch.cuda.get_device_name() if cuda else 'CPU'
    import decord
    size = decord.VideoReader(videos[0], num_threads=1)[0].shape
    notes = (f'{device}, {os.cpu_count()} CPU cores; ViT-{args.arch[0].upper()}'
             f' recipe, {args.clips} clips per batch, bf16 autocast and '
             f'teacher{", torch.compile" if args.compile else ""}; '
             f'{len(videos)} real videos (first is {size[1]}x{size[0]}) '
             'listed repeatedly. "workers for the step" is the loader '
             'workers whose summed rate matches the step alone, at this '
             'rate per worker.')
    print(notes)
    if not args.no_write and cuda:
        record(f'loader_vs_step_{args.arch}', f'Loader against training step '
               f'({device})', 'python benchmarks/loader_vs_step.py ' +
               ' '.join(sys.argv[1:]),
               ['clips per decode', 'workers', 'loader clips/s',
                'clips/s per worker', 'step alone clips/s',
                'together clips/s', 'waiting for data %',
                'workers for the step'], rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
