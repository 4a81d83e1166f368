"""Cached linear probe against the end-to-end linear-probing config.

A dataset made here (tools/make_motion_dataset.py): a coloured square (2
colours: appearance) moving up or down (2 directions: motion) over a static
smooth-noise texture, 4 classes, 32 frames of 64x64 per video. One frozen encoder (the CPU scale of
benchmarks/learning_signal.py: ViT 192 wide, 6 blocks, 8x64x64 clips;
random weights unless --checkpoint) is linear-probed two ways with the same
config (a child of the shipped UCF-101 linear-probing config) and the same
epochs:

* end to end: ``tools/train.py``'s Runner (a new random clip, crop and flip
  of every video in every epoch), then its test loop;
* cached: ``tools/probe_features.py`` (the encoder once over 4 clips x 2
  flips of every training video, then Table 16's recipe on the cache).

Both evaluate the same test views (3 clips per video, centre crops).

    python benchmarks/cached_probe.py              # ~15 min on 2 cores
    python benchmarks/cached_probe.py --epochs 2 --seeds 1 --no-write
"""
from __future__ import annotations

import argparse
import gc
import json
import os.path as osp
import shutil
import sys
import time
from typing import List

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

import smile_mm  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner.checkpoint import save_checkpoint  # noqa: E402

from smile_mm.engine import build_runner, resolve_references  # noqa: E402

from benchmarks.results_table import record  # noqa: E402
from tools import probe_features  # noqa: E402
from tools.make_motion_dataset import write_split  # noqa: E402

SHIPPED = osp.join(ROOT, 'configs', 'smile', 'linear_probe',
                   'smile_vit-b_16x4x1_ucf101-linear.py')
CONFIG = '''
_base_ = [{base!r}]
num_classes = 4
size, clip_len, frame_interval = 64, 8, 2
data_root = {videos!r}
ann_file_train = {train!r}
ann_file_val = {test!r}
model = dict(
    backbone=dict(arch='small', embed_dims=192, depth=6, num_heads=3),
    cls_head=dict(in_channels=192))
__val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${{clip_len}}',
         frame_interval='${{frame_interval}}', num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${{size}}')),
    dict(type='CenterCrop', crop_size='${{size}}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
__loader = dict(num_workers={workers}, persistent_workers={persistent})
train_dataloader = dict(batch_size=16, **__loader, dataset=dict(pipeline=[
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${{clip_len}}',
         frame_interval='${{frame_interval}}', num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 72)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=('${{size}}', '${{size}}'), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]))
val_dataloader = dict(batch_size=16, **__loader,
                      dataset=dict(pipeline=__val_pipeline))
# three clips per test video
test_dataloader = dict(batch_size=8, **__loader, dataset=dict(pipeline=[
    dict(step, num_clips=3) if step['type'] == 'SampleFrames' else step
    for step in __val_pipeline]))
train_cfg = dict(max_epochs={epochs}, val_interval={epochs_plus})
param_scheduler = [dict(type='CosineAnnealingLR', T_max={epochs},
                        eta_min=1e-6, by_epoch=True, begin=0, end={epochs},
                        convert_to_iter_based=True)]
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval={epochs_plus}, save_best=None))
log_level = 'WARNING'
'''


def end_to_end(config: str, checkpoint: str, work_dir: str, seed: int,
               random_crops: bool = True) -> tuple:
    """(test top-1 %, seconds) of tools/train.py's Runner, then its test
    loop; ``random_crops=False`` drops RandomResizedCrop from training."""
    cfg = Config.fromfile(config)
    if not random_crops:
        cfg.train_dataloader.dataset.pipeline = [
            step for step in cfg.train_dataloader.dataset.pipeline
            if step['type'] != 'RandomResizedCrop']
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.randomness = dict(seed=seed)
    start = time.perf_counter()
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    # a runner's loaders, freed at an arbitrary later moment by the cycle
    # collector, would land their shutdown in whatever is timed next
    del runner
    gc.collect()
    return metrics['acc/top1'] * (100 if metrics['acc/top1'] <= 1 else 1), \
        seconds


def _spread(values: List[float]) -> str:
    return f'{np.mean(values):.1f} +- {np.std(values):.1f}'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--per-class', type=int, default=40,
                        help='training videos per class (test: half)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--checkpoint', help='encoder checkpoint (default: '
                        'random weights, seed 0)')
    parser.add_argument('--work-dir', default='work_dirs/cached_probe')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    shutil.rmtree(args.work_dir, ignore_errors=True)
    data = osp.join(args.work_dir, 'data')
    videos = osp.join(data, 'videos')
    rng = np.random.default_rng(0)
    train = write_split(data, 'train', args.per_class, rng)
    test = write_split(data, 'test', max(args.per_class // 2, 1), rng)
    config = osp.join(args.work_dir, 'probe_config.py')
    with open(config, 'w') as file:
        file.write(CONFIG.format(
            base=SHIPPED, videos=osp.abspath(videos), train=osp.abspath(train),
            test=osp.abspath(test), workers=args.workers,
            persistent=args.workers > 0, epochs=args.epochs,
            epochs_plus=args.epochs + 1))
    checkpoint = args.checkpoint
    if checkpoint is None:
        import torch
        from mmaction.registry import MODELS
        init_default_scope('mmaction')
        torch.manual_seed(0)
        model = MODELS.build(resolve_references(Config.fromfile(config)).model)
        model.init_weights()
        checkpoint = osp.join(args.work_dir, 'encoder.pth')
        save_checkpoint(model.state_dict(), checkpoint)

    e2e, e2e_s, cached, knn, cached_s, parts = [], [], [], [], [], []
    uncropped, uncropped_s = [], []
    for seed in range(args.seeds):
        top1, seconds = end_to_end(config, checkpoint, osp.join(
            args.work_dir, f'end_to_end_{seed}'), seed)
        e2e.append(top1)
        e2e_s.append(seconds)
        print(f'seed {seed}: end to end {top1:.1f} % in {seconds:.0f} s',
              flush=True)
        top1, seconds = end_to_end(config, checkpoint, osp.join(
            args.work_dir, f'end_to_end_uncropped_{seed}'), seed,
            random_crops=False)
        uncropped.append(top1)
        uncropped_s.append(seconds)
        print(f'seed {seed}: end to end without random crops {top1:.1f} % '
              f'in {seconds:.0f} s', flush=True)
        start = time.perf_counter()
        status = probe_features.main([
            config, checkpoint, '--work-dir',
            osp.join(args.work_dir, 'cached'), '--seed', str(seed),
            '--workers', str(args.workers), '--train-clips', '4'])
        cached_s.append(time.perf_counter() - start)
        if status:
            return status
        with open(osp.join(args.work_dir, 'cached', 'results.json')) as file:
            results = json.load(file)
        cached.append(results['linear']['top1'])
        knn.append(results['knn']['top1'])
        parts.append(results['seconds'])
        print(f'seed {seed}: cached {cached[-1]:.1f} % (k-NN {knn[-1]:.1f} '
              f'%) in {cached_s[-1]:.0f} s', flush=True)

    first, reuse = cached_s[0], np.mean(cached_s[1:]) if len(
        cached_s) > 1 else float('nan')
    e2e_mean = float(np.mean(e2e_s))
    rows = [
        ['end to end (tools/train.py, then its test loop)', _spread(e2e),
         ', '.join(f'{x:.1f}' for x in e2e), f'{e2e_mean:.0f}', '1.0'],
        ['end to end without RandomResizedCrop', _spread(uncropped),
         ', '.join(f'{x:.1f}' for x in uncropped),
         f'{np.mean(uncropped_s):.0f}', '-'],
        ['cached: first run (features extracted)', _spread(cached[:1]),
         f'{cached[0]:.1f}', f'{first:.0f}', f'{e2e_mean / first:.1f}'],
        ['cached: features reused (other seeds)', _spread(cached[1:] or
                                                          [float('nan')]),
         ', '.join(f'{x:.1f}' for x in cached[1:]) or '-',
         f'{reuse:.0f}', f'{e2e_mean / reuse:.1f}'],
        ['k-NN on the cache (k=20, T=0.07)', _spread(knn),
         ', '.join(f'{x:.1f}' for x in knn), '-', '-'],
    ]
    encoder = args.checkpoint or 'random weights'
    notes = (
        f'{4 * args.per_class} training and {4 * max(args.per_class // 2, 1)}'
        f' test videos made here (4 classes: 2 colours x up/down motion over '
        f'smooth-noise textures, 32 frames of 64x64); a frozen ViT 192 '
        f'wide, 6 blocks, 8x64x64 clips ({encoder}); '
        f'{args.epochs} epochs of Table 16\'s recipe (AdamW lr 1e-3 for '
        f'the batch of 16, weight decay 0.05, cosine) for both routes; '
        f'{args.workers} loader workers. Both test on 3 clips per video. '
        f'The cached route trains on 4 clips x 2 flips per video fixed once '
        f'(centre crops), the end-to-end one on a new random clip, crop '
        f'(RandomResizedCrop, 8 to 100 % of the area, as the shipped '
        f'linear-probing configs) and flip per epoch; the second row drops '
        f'the random crops. '
        f'Seconds are wall time per seed, extraction included in the first '
        f'cached run: of its {first:.0f} s, the encoder took '
        f'{parts[0]["train_features"]:.1f} s over the training views and '
        f'{parts[0]["test_features"]:.1f} s over the test views, the linear '
        f'probe {parts[0]["linear"]:.1f} s and k-NN {parts[0]["knn"]:.2f} s; '
        f'the rest is setting up (config, model, checkpoint hash, datasets) '
        f'and writing the outputs.')
    for row in rows:
        print(' | '.join(row))
    print(notes)
    if not args.no_write:
        command = ' '.join(['python benchmarks/cached_probe.py'] +
                           sys.argv[1:])
        section = ('cached_probe' if args.epochs == 30 else
                   f'cached_probe_{args.epochs}e')
        print(record(section, 'Linear probe from cached features against '
                     f'the end-to-end config, {args.epochs} epochs', command,
                     ['route', 'top-1 %', 'per seed', 'seconds per run',
                      'speed-up'], rows, notes))
    return 0


if __name__ == '__main__':
    sys.exit(main())
