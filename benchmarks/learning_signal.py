"""Does SMILE pretraining learn? A small replication of the paper's ordering.

Pretrain a small ViT on clips without natural video (procedural objects
moving over black images, paper section 5, Table 7), then linear-probe its frozen,
mean-pooled features on a motion task it never saw: the direction (4) and
speed (2) of an unseen object moving in a straight line over backgrounds cut
from real clips. The same network with random weights is the baseline. Pixel
targets, with tube masking or with trajectory masking (Table 4g), each over
several seeds.

    python benchmarks/learning_signal.py            # about 30 minutes on 2 cores
    python benchmarks/learning_signal.py --iters 100 --seeds 1 --no-write  # smoke run
"""
from __future__ import annotations

import argparse
import glob
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.apis import prepare_frame, to_clip  # noqa: E402
from smile_mm.datasets import ObjectBank, SyntheticMotionOverlay  # noqa: E402
from smile_mm.datasets.object_motion import ObjectMotion  # noqa: E402
from smile_mm.models import SMILEVisionTransformer  # noqa: E402

FRAMES, SIZE = 8, 64
ENCODER = dict(arch='tiny', img_size=SIZE, num_frames=FRAMES,
               embed_dims=192, depth=6, num_heads=3)
REAL_CLIPS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                      'shared', 'data', 'real_clips')
DIRECTIONS = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], float)
SPEEDS = (1.5, 3.5)  # pixels per frame


# ------------------------------------------------------------- the probe task
def backgrounds(count: int, rng: np.random.Generator) -> List[np.ndarray]:
    """Square crops of random frames of real clips (smooth noise if the
    clips are not there)."""
    import decord
    videos = sorted(glob.glob(osp.join(REAL_CLIPS, '*.mp4')) +
                    glob.glob(osp.join(REAL_CLIPS, '*.avi')))
    readers = [decord.VideoReader(v, num_threads=1) for v in videos]
    out = []
    for _ in range(count):
        if not readers:
            coarse = rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)
            out.append(prepare_frame(np.kron(coarse, np.ones(
                (16, 16, 1), np.uint8)), SIZE))
            continue
        reader = readers[rng.integers(len(readers))]
        frame = reader[int(rng.integers(len(reader)))].asnumpy()
        height, width = frame.shape[:2]
        side = int(rng.integers(min(height, width) // 2,
                                min(height, width) + 1))
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        out.append(prepare_frame(frame[top:top + side, left:left + side],
                                 SIZE))
    return out


def motion_task(count: int, seed: int) -> Tuple[torch.Tensor, np.ndarray]:
    """``count`` clips of one object moving straight; label = direction * 2
    + speed. Objects come from a procedural bank the pretraining never uses.
    """
    rng = np.random.default_rng(seed)
    overlay = SyntheticMotionOverlay(
        object_bank=dict(source='procedural', num_objects=64, seed=1000),
        num_objects=1, motion=dict(size_range=(10, 18)))
    scenes = backgrounds(count, rng)
    clips, labels = [], []
    for index in range(count):
        label = index % (len(DIRECTIONS) * len(SPEEDS))
        direction = DIRECTIONS[label // len(SPEEDS)]
        speed = SPEEDS[label % len(SPEEDS)]
        side = rng.uniform(12, 18)
        # start near the centre (within 6 px), so that the path stays in
        # the frame and where the object goes says how it moves
        start = SIZE / 2 + rng.uniform(-6, 6, 2)
        centres = start + direction * speed * np.arange(FRAMES)[:, None]
        motion = ObjectMotion(
            base_sizes=np.array([[side, side]]),
            sizes=np.full((1, FRAMES, 2), side),
            centers=centres[None], angles=np.zeros((1, FRAMES)),
            paste_order=np.array([0]))
        clip = np.repeat(scenes[index][None], FRAMES, axis=0)
        overlay.render(clip, np.array([rng.integers(64)]), motion)
        clips.append(to_clip(list(clip)))
        labels.append(label)
    return torch.cat(clips), np.array(labels)


# ----------------------------------------------------------------- pretraining
def pretrain(seed: int, trajectory: bool, iters: int, batch: int,
             background: str) -> Dict[str, torch.Tensor]:
    """Train SMILE with pixel targets on objects over a static background;
    returns the encoder's weights."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', **ENCODER),
        neck=dict(type='VideoMAEDecoder', embed_dims=96, depth=2,
                  num_heads=3),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='PixelTarget')))
    model.init_weights()
    dataset = DATASETS.build(dict(
        type='StaticClipDataset', background=background, noise_cell=4,
        num_samples=iters * batch, frame_size=(72, 72),
        pipeline=[
            dict(type='LoadStaticClip', clip_len=FRAMES),
            dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
            dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
            dict(type='SyntheticMotionOverlay', num_objects=2,
                 motion=dict(size_range=(8, 32))),
            dict(type='TubeTrajectoryMaskGenerator',
                 input_size=(FRAMES, SIZE, SIZE), mask_ratio=0.75,
                 trajectory_masking=trajectory),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs', algorithm_keys=('mask', )),
        ]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3,
                                  betas=(0.9, 0.95), weight_decay=0.05)
    wrapper = OptimWrapper(optimizer, clip_grad=dict(max_norm=1.0))
    warmup = max(iters // 20, 1)
    losses = []
    for step in range(iters):
        rate = min(1.0, (step + 1) / warmup) * 0.5 * (
            1 + np.cos(np.pi * step / iters))
        for group in optimizer.param_groups:
            group['lr'] = 1e-3 * rate
        samples = [dataset[(i, seed * 10**7 + i)]
                   for i in range(step * batch, (step + 1) * batch)]
        losses.append(model.train_step(pseudo_collate(samples),
                                       wrapper)['loss'].item())
    first, last = np.mean(losses[:20]), np.mean(losses[-20:])
    print(f'  loss {first:.3f} -> {last:.3f}', flush=True)
    return model.backbone.state_dict()


# ------------------------------------------------------------------ probing
def features(weights, clips: torch.Tensor) -> torch.Tensor:
    encoder = SMILEVisionTransformer(out_type='mean', frozen=True, **ENCODER)
    if weights is not None:
        encoder.load_state_dict(weights, strict=True)
    with torch.no_grad():
        return torch.cat([encoder(clips[i:i + 64])
                          for i in range(0, len(clips), 64)])


def linear_probe(train_x, train_y, test_x, test_y) -> float:
    """Multinomial logistic regression (L-BFGS, small L2) on standardised
    features; returns the test accuracy in percent."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    classes = int(train_y.max()) + 1
    layer = torch.nn.Linear(train_x.shape[1], classes)
    targets = torch.from_numpy(train_y)
    optimizer = torch.optim.LBFGS(layer.parameters(), max_iter=300,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(train_x), targets)
        loss = loss + 1e-3 * layer.weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = layer(test_x).argmax(1).numpy()
    return float((predicted == test_y).mean() * 100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=2400,
                        help='pretraining iterations per run')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--background', default='black',
                        choices=('black', 'noise'),
                        help='pretraining background (Table 7 rows)')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--train-clips', type=int, default=480)
    parser.add_argument('--test-clips', type=int, default=240)
    parser.add_argument('--cache', default='work_dirs/learning_signal',
                        help='folder keeping pretrained encoders, so that a '
                        'rerun only probes ("" to disable)')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    init_default_scope('mmaction')
    start = time.perf_counter()
    train_clips, train_y = motion_task(args.train_clips, seed=1)
    test_clips, test_y = motion_task(args.test_clips, seed=2)
    print(f'probe task: {len(train_y)} train / {len(test_y)} test clips, '
          f'{train_y.max() + 1} classes', flush=True)

    scores: Dict[str, List[float]] = {'random init': [], 'pixels + tube': [],
                                      'pixels + trajectory': []}
    for seed in range(args.seeds):
        torch.manual_seed(100 + seed)
        random = SMILEVisionTransformer(out_type='mean', **ENCODER)
        random.init_weights()
        runs = {'random init': random.state_dict()}
        for name, trajectory in (('pixels + tube', False),
                                 ('pixels + trajectory', True)):
            cache = osp.join(args.cache, f'{args.background}_{args.iters}it_'
                             f'seed{seed}_{"traj" if trajectory else "tube"}'
                             '.pth') if args.cache else None
            if cache and osp.isfile(cache):
                runs[name] = torch.load(cache)
                print(f'seed {seed}: {name}: pretrained encoder from {cache}')
                continue
            print(f'seed {seed}: pretraining, {name}', flush=True)
            runs[name] = pretrain(seed, trajectory, args.iters, args.batch,
                                  args.background)
            if cache:
                os.makedirs(args.cache, exist_ok=True)
                torch.save(runs[name], cache)
        for name, weights in runs.items():
            accuracy = linear_probe(features(weights, train_clips), train_y,
                                    features(weights, test_clips), test_y)
            scores[name].append(accuracy)
            print(f'seed {seed}: {name}: probe accuracy {accuracy:.1f} %',
                  flush=True)
    minutes = (time.perf_counter() - start) / 60
    rows = [[name, f'{np.mean(v):.1f}', f'{np.std(v):.1f}',
             ', '.join(f'{x:.1f}' for x in v)] for name, v in scores.items()]
    chance = 100 / (len(DIRECTIONS) * len(SPEEDS))
    notes = (f'ViT 192 wide, 6 blocks, 8x64x64 clips (2x16x16 tokens, mask '
             f'ratio 0.75), {args.iters} iterations of {args.batch} clips '
             f'per pretraining run on objects over {args.background} images '
             f'(no natural video); '
             f'linear probe (logistic regression) of the frozen mean-pooled '
             f'features on {args.train_clips} / {args.test_clips} clips of '
             f'an unseen object moving over crops of real clips, 8 classes '
             f'(4 directions x 2 speeds, chance {chance:.1f} %). Spread is '
             f'the standard deviation over {args.seeds} seeds. Whole run: '
             f'{minutes:.1f} min.')
    for row in rows:
        print(' | '.join(row))
    print(notes)
    if not args.no_write:
        record('learning_signal', 'Learning signal: linear probe on a '
               'held-out motion task',
               'python benchmarks/learning_signal.py',
               ['encoder', 'mean accuracy %', 'std', 'per seed'], rows,
               notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
