"""Does SMILE pretraining learn? A small replication of the paper's section 5.

Pretrain a ViT on clips without natural video (procedural objects moving
over black images or smooth noise: Tables 7 and 12), then evaluate it on a
motion task it never saw: the direction (4) and speed (2) of an object from
another bank moving in a straight line. Two evaluations, each against the
same network with random weights:

* full fine-tuning, as the paper evaluates Table 7 (the recipe of Table 17
  scaled down: mmaction2's Recognizer3D with stochastic depth and label
  smoothing, AdamW with layer-wise lr decay 0.75, linear warm-up, cosine),
  the same number of steps for every initialisation and task, over still
  crops of real clips the pretraining never saw (``--finetune-on real``:
  the probe's 800 clips; ``real:3200``: 3,200 of their own) and over
  black with few labels (``black:80``, 10 clips per class);
* a linear probe of the frozen, mean-pooled features, over black
  backgrounds and over those real-clip crops.

Pretraining uses pixel targets, with tube masking or trajectory masking
(Table 4g); every run over several seeds.

    python benchmarks/learning_signal.py      # cpu scale, see below
    python benchmarks/learning_signal.py --scale gpu --device cuda
    python benchmarks/learning_signal.py --iters 20 --seeds 1 --cache "" \\
        --finetune-epochs 1 --no-write        # smoke run, about 2 minutes

Encoders and scores are kept under --cache, so a rerun only reports; seeds
can run in separate processes (--seed-offset) sharing one cache. Measured
on 2 cores, two processes of one thread each (two seeds at once): a
pretraining run takes about 30 minutes, a fine-tuning run of the default
500 steps 5 to 10, one of 1,500 steps (``--finetune-epochs 60``) about 25.
From nothing, the default (three seeds, random init, black + tube and
noise + tube, each fine-tuned on black:80 and real:3200) takes about two
and a half hours; ``--finetune-epochs 60 --finetune-on real:3200 --runs
black-tube`` on the cached encoders about another hour and a quarter.
A process holds about 3.5 GB, most of it the task clips.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import os.path as osp
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.apis import prepare_frame  # noqa: E402
from smile_mm.datasets import SeededSampler, seed_samples  # noqa: E402
from smile_mm.apis.inference import (FEATURES_CONFIG,  # noqa: E402
                                     data_preprocessor, load_config)
from smile_mm.datasets import SyntheticMotionOverlay  # noqa: E402
from smile_mm.datasets.objects.object_motion import ObjectMotion  # noqa: E402
from smile_mm.models import SMILEVisionTransformer  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
FINETUNE_MODEL = osp.join(ROOT, 'configs', '_base_', 'models',
                          'smile_vit-b_finetune.py')
DIRECTIONS = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], float)
NUM_CLASSES = 8  # 4 directions x 2 speeds
PROBE_KINDS = ('black', 'real')  # linear probes: the task's backgrounds
L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1)
RUNS = ('black-tube', 'black-traj', 'noise-tube', 'noise-traj',
        'image-tube', 'image-traj')


@dataclass
class Scale:
    """Model, clip and task sizes of one scale of the experiment."""
    encoder: dict
    decoder: dict
    frames: int
    size: int
    iters: int  # pretraining iterations
    batch: int  # pretraining clips per iteration
    speeds: Tuple[float, float]  # pixels per frame
    object_side: Tuple[int, int]  # pixels, the probe task's objects
    start_jitter: int  # pixels around the centre
    overlay_sizes: Tuple[int, int]  # pixels, the pretraining objects
    train_clips: int
    test_clips: int
    finetune_batch: int
    finetune_epochs: int
    finetune_lr: float = 1e-3
    pretrain_lr: float = 3e-4  # peak, AdamW, batch ``batch``
    noise_cell: int = 4  # pixels per cell of the smooth noise backgrounds
    freeze_backbone: bool = False  # train fc_norm and the head only
    probe_head: bool = False  # LP-FT: the head starts at the linear probe
    match_stream: bool = False  # rescale to random init's stream norm
    note: str = field(default='')


SCALES = {
    'cpu': Scale(
        encoder=dict(arch='tiny', img_size=64, num_frames=8, embed_dims=192,
                     depth=6, num_heads=3),
        decoder=dict(embed_dims=96, depth=2, num_heads=3),
        frames=8, size=64, iters=2400, batch=32, speeds=(1.5, 3.5),
        object_side=(12, 18), start_jitter=6, overlay_sizes=(8, 32),
        train_clips=800, test_clips=400, finetune_batch=32,
        finetune_epochs=20,
        note='ViT 192 wide, 6 blocks, 8x64x64 clips'),
    'gpu': Scale(
        encoder=dict(arch='small', img_size=112, num_frames=16),
        decoder=dict(embed_dims=192, depth=4, num_heads=3),
        frames=16, size=112, iters=2000, batch=64, speeds=(1.25, 2.75),
        object_side=(21, 31), start_jitter=10, overlay_sizes=(14, 56),
        train_clips=2400, test_clips=800, finetune_batch=64,
        finetune_epochs=20,
        note='ViT-S (384 wide, 12 blocks), 16x112x112 clips'),
}


# ------------------------------------------------------------- the probe task
def still_images(videos: List[str], count: int, size: int,
                 rng: np.random.Generator) -> List[np.ndarray]:
    """``count`` square crops (half to all of the short side) of random
    frames of ``videos``, resized to ``size``. Each video is read once, in
    frame order, 32 frames at a time."""
    import decord
    readers = [decord.VideoReader(v, num_threads=1) for v in videos]
    which = rng.integers(len(readers), size=count)
    frames = [int(rng.integers(len(readers[r]))) for r in which]
    fractions = rng.random((count, 3))  # side, top, left
    frame_config = load_config(FEATURES_CONFIG, size=size)
    out: List[Optional[np.ndarray]] = [None] * count
    for r, reader in enumerate(readers):
        members = np.flatnonzero(which == r)
        wanted = sorted({frames[i] for i in members})
        for first in range(0, len(wanted), 32):
            chunk = wanted[first:first + 32]
            decoded = dict(zip(chunk, reader.get_batch(chunk).asnumpy()))
            for i in members:
                if frames[i] not in decoded:
                    continue
                frame = decoded[frames[i]]
                height, width = frame.shape[:2]
                short = min(height, width)
                side = short // 2 + int(fractions[i, 0] * (short - short // 2))
                top = int(fractions[i, 1] * (height - side))
                left = int(fractions[i, 2] * (width - side))
                out[i] = prepare_frame(
                    frame[top:top + side, left:left + side], frame_config)
    return out


def motion_task(scale: Scale, count: int, seed: int,
                videos: Optional[List[str]] = None
                ) -> Tuple[torch.Tensor, np.ndarray]:
    """``count`` clips of one object moving straight over a still crop of
    ``videos`` (black if None); label = direction * 2 + speed. Objects come
    from a procedural bank the pretraining never uses."""
    rng = np.random.default_rng(seed)
    overlay = SyntheticMotionOverlay(
        object_bank=dict(source='procedural', num_objects=64, seed=1000),
        num_objects=1)
    frames, size = scale.frames, scale.size
    scenes = (still_images(videos, count, size, rng) if videos else
              [np.zeros((size, size, 3), np.uint8)] * count)
    clips = np.empty((count, frames, size, size, 3), np.uint8)
    labels = []
    for index in range(count):
        label = index % NUM_CLASSES
        direction = DIRECTIONS[label // len(scale.speeds)]
        speed = scale.speeds[label % len(scale.speeds)]
        side = rng.uniform(*scale.object_side)
        # start near the centre, so that the path stays in
        # the frame and where the object goes says how it moves
        start = size / 2 + rng.uniform(-scale.start_jitter,
                                       scale.start_jitter, 2)
        centres = start + direction * speed * np.arange(frames)[:, None]
        motion = ObjectMotion(
            base_sizes_wh=np.array([[side, side]]),
            sizes_wh=np.full((1, frames, 2), side),
            centers=centres[None], angles=np.zeros((1, frames)),
            paste_order=np.array([0]))
        clips[index] = scenes[index]
        overlay.render(clips[index], np.array([rng.integers(64)]), motion)
        labels.append(label)
    # normalised as smile_mm.apis.to_clip does, all clips at once
    clips = torch.from_numpy(clips).permute(0, 4, 1, 2, 3).float()
    shape = (1, 3, 1, 1, 1)
    statistics = data_preprocessor(FEATURES_CONFIG)
    clips = clips.sub_(torch.tensor(statistics['mean']).view(shape))
    clips = clips.div_(torch.tensor(statistics['std']).view(shape))
    return clips.contiguous(), np.array(labels)


# ----------------------------------------------------------------- pretraining
def _one_thread(worker: int) -> None:
    """A loader worker uses one core: OpenCV's own threads in every worker
    would oversubscribe the machine (mmengine's Runner does the same)."""
    cv2.setNumThreads(1)


def pretraining_data(scale: Scale, run: str, images: str, count: int,
                     packed: bool = True):
    """The clips of a pretraining run (see :func:`pretrain`); unpacked
    (``packed=False``) they keep ``object_masks`` and ``mask``."""
    background, masking = run.split('-')
    frames, size = scale.frames, scale.size
    side = size * 9 // 8  # RandomResizedCrop, then Resize to size
    pack = [dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs', algorithm_keys=('mask', ))]
    return DATASETS.build(dict(
        type='StaticClipDataset', background=background,
        noise_cell=scale.noise_cell,
        num_samples=None if background == 'image' else count,
        frame_size=(side, side), data_prefix=dict(img=images),
        pipeline=[
            dict(type='LoadStaticClip', clip_len=frames),
            dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
            dict(type='Resize', scale=(size, size), keep_ratio=False),
            dict(type='SyntheticMotionOverlay', num_objects=2,
                 motion=dict(size_range=scale.overlay_sizes)),
            dict(type='TubeTrajectoryMaskGenerator',
                 input_size=(frames, size, size), mask_ratio=0.75,
                 trajectory_masking=masking == 'traj'),
        ] + (pack if packed else [])))


def object_share(scale: Scale, run: str, images: str,
                 count: int = 256) -> Tuple[float, float]:
    """Of the masked tokens of ``count`` pretraining clips: the share that
    holds any object pixel, and the share of their pixels that are object
    pixels. Over black, every other pixel of a masked token is known (0);
    over noise, a tube's background is never visible, so roughly that pixel
    share bounds what a pixel loss can learn."""
    dataset = pretraining_data(scale, run, images, count, packed=False)
    tubelet, patch = 2, 16
    touched = pixels = 0.0
    for part in seed_samples(dataset):  # samples of their own, fixed
        part.publish(99, 0)
    for index in range(count):
        sample = dataset[index % len(dataset)]
        objects = sample['object_masks'].any(0).astype(np.float32)
        frames, height, width = objects.shape
        share = objects.reshape(frames // tubelet, tubelet,
                                height // patch, patch, width // patch,
                                patch).mean((1, 3, 5))
        mask = np.asarray(sample['mask'], bool).reshape(share.shape)
        touched += (share[mask] > 0).mean()
        pixels += share[mask].mean()
    return touched / count * 100, pixels / count * 100


def _batches(loader, sampler, iters: int):
    """``iters`` batches of ``loader``, as many epochs as that takes (the
    sampler told each epoch, so that every epoch draws anew)."""
    step = 0
    while True:
        for data in loader:
            if step == iters:
                return
            step += 1
            yield data
        if step == 0:
            raise RuntimeError('the pretraining loader yields no batch')
        sampler.set_epoch(sampler.epoch + 1)


def pretrain(scale: Scale, run: str, seed: int, images: str, device: str,
             workers: int) -> Dict[str, torch.Tensor]:
    """Train SMILE with pixel targets on objects over static backgrounds
    (``run`` = background-masking: black, smooth noise, or the still images
    in the folder ``images``; tube or trajectory masking); returns the
    encoder's weights."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    iters, batch = scale.iters, scale.batch
    model = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', **scale.encoder),
        neck=dict(type='VideoMAEDecoder', **scale.decoder),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='PixelTarget')))
    model.init_weights()
    model.to(device)
    dataset = pretraining_data(scale, run, images, iters * batch)
    # each sample's randomness is fixed by (seed, epoch, index), whatever
    # the worker that draws it; generated backgrounds hold iters * batch
    # samples (one epoch), still images as many as there are (epochs of
    # their own, shuffled, until iters)
    sampler = SeededSampler(dataset, shuffle=len(dataset) < iters * batch,
                            seed=seed)
    loader = torch.utils.data.DataLoader(
        dataset, sampler=sampler, batch_size=batch, collate_fn=pseudo_collate,
        num_workers=workers, worker_init_fn=_one_thread,
        prefetch_factor=4 if workers else None)
    wrapper = build_optim_wrapper(model, dict(
        type='AmpOptimWrapper' if device != 'cpu' else 'OptimWrapper',
        optimizer=dict(type='AdamW', lr=scale.pretrain_lr,
                       betas=(0.9, 0.95), weight_decay=0.05),
        clip_grad=dict(max_norm=1.0),
        **(dict(dtype='bfloat16', loss_scale=dict(enabled=False))
           if device != 'cpu' else {})))
    warmup = max(iters // 20, 1)
    # one preallocated tensor: a 0-d CPU tensor kept per step fragments the
    # heap between the step's large temporaries (5 MB of resident memory
    # per step here, 12 GB by the end of a run)
    losses = torch.zeros(iters, device=device)
    step = -1
    start = time.perf_counter()
    for step, data in enumerate(_batches(loader, sampler, iters)):
        rate = min(1.0, (step + 1) / warmup) * 0.5 * (
            1 + np.cos(np.pi * step / iters))
        for group in wrapper.optimizer.param_groups:
            group['lr'] = scale.pretrain_lr * rate
        losses[step] = model.train_step(data, wrapper)['loss'].detach()
        if (step + 1) % 400 == 0:
            recent = losses[max(step - 49, 0):step + 1].mean().item()
            print(f'  iteration {step + 1}: loss {recent:.3f} '
                  f'({(time.perf_counter() - start) / (step + 1):.3f} s/it)',
                  flush=True)
    if step + 1 != iters:
        raise RuntimeError(f'{run}: {step + 1} of {iters} iterations ran')
    losses = losses.cpu().numpy()
    print(f'  loss {losses[:20].mean():.3f} -> {losses[-20:].mean():.3f} '
          f'in {time.perf_counter() - start:.0f} s, {sampler.epoch + 1} '
          f'epoch(s) of {len(dataset)} clips', flush=True)
    return {k: v.cpu() for k, v in model.backbone.state_dict().items()}


# --------------------------------------------------------------- linear probe
def features(scale: Scale, weights, clips: torch.Tensor,
             device: str) -> torch.Tensor:
    encoder = SMILEVisionTransformer(out_type='mean', frozen=True,
                                     **scale.encoder)
    if weights is not None:
        encoder.load_state_dict(weights, strict=True)
    encoder.to(device)
    with torch.no_grad():
        return torch.cat([encoder(clips[i:i + 64].to(device)).float().cpu()
                          for i in range(0, len(clips), 64)])


def stream_norm(scale: Scale, weights, clips: torch.Tensor) -> float:
    """Mean L2 norm of the tokens leaving the last block (before the final
    norm) on ``clips``. Every block and the final norm see LayerNorm'ed
    inputs, so this scale does not change the encoder's output, but an
    optimizer step of a given size moves a larger stream less: fine-tuning
    at one lr adapts an encoder with a larger stream more slowly."""
    encoder = SMILEVisionTransformer(out_type='featmap', frozen=True,
                                     **scale.encoder)
    encoder.load_state_dict(weights, strict=True)
    stream = {}
    hook = encoder.blocks[-1].register_forward_hook(
        lambda module, inputs, output: stream.setdefault('tokens', output))
    with torch.no_grad():
        encoder(clips)
    hook.remove()
    return float(stream['tokens'].norm(dim=-1).mean())


def rescale_stream(weights: Dict[str, torch.Tensor],
                   factor: float) -> Dict[str, torch.Tensor]:
    """The same encoder with its residual stream multiplied by ``factor``:
    everything that writes into the stream (tubelet embedding, position
    table, the output projections of attention and MLP) is scaled, and
    everything that reads it goes through a LayerNorm, so the output is
    unchanged (up to LayerNorm's eps) while an optimizer step of a given
    size moves the stream 1/factor times as much."""
    writes = ('patch_embed.', 'pos_embed', '.attn.proj.', '.mlp.layers.1.')
    return {key: value * factor if any(
                part in key if part.startswith('.') else key.startswith(part)
                for part in writes) else value
            for key, value in weights.items()}


def frame_differences(clips: torch.Tensor) -> torch.Tensor:
    """No encoder: the mean absolute difference of consecutive frames in
    each 16x16 patch, kept per position (the task's solvability)."""
    change = (clips[:, :, 1:] - clips[:, :, :-1]).abs().float().mean(
        1, keepdim=True)
    return F.avg_pool3d(change, (1, 16, 16)).flatten(1)


def _fit(train_x, train_y, l2: float) -> torch.nn.Linear:
    layer = torch.nn.Linear(train_x.shape[1], int(train_y.max()) + 1)
    targets = torch.from_numpy(train_y)
    optimizer = torch.optim.LBFGS(layer.parameters(), max_iter=300,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(layer(train_x), targets)
        loss = loss + l2 * layer.weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return layer


def _accuracy(layer, x, y) -> float:
    with torch.no_grad():
        return float((layer(x).argmax(1).numpy() == y).mean() * 100)


def linear_probe(train_x, train_y, test_x, test_y) -> Tuple[float, float]:
    """Multinomial logistic regression (L-BFGS) on standardised features.
    The L2 weight is chosen on a validation quarter of the training clips,
    then the probe is refit on all of them. Returns (test accuracy in
    percent, the chosen L2 weight)."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    cut = len(train_y) * 3 // 4
    best = max(L2_GRID, key=lambda l2: _accuracy(
        _fit(train_x[:cut], train_y[:cut], l2), train_x[cut:],
        train_y[cut:]))
    return _accuracy(_fit(train_x, train_y, best), test_x, test_y), best


# ----------------------------------------------------------------- fine-tuning
def finetune_recipe(scale: Scale) -> dict:
    """Table 17 scaled down: AdamW, weight decay 0.05, layer decay 0.75,
    the first eighth of the steps warm-up (5 epochs of 40), cosine to 1e-6,
    label smoothing 0.1, stochastic depth 0.1; no flips or mixup (a flip
    changes the direction, the label). The peak lr is Table 17's base lr,
    1e-3, not scaled down to the small batch: scaled (1.25e-4 at 32 clips)
    no initialisation left chance in 500 steps here."""
    return dict(lr=scale.finetune_lr, weight_decay=0.05,
                layer_decay=0.75, warmup=1 / 8, min_lr=1e-6,
                label_smoothing=0.1, drop_path=0.1,
                batch=scale.finetune_batch, epochs=scale.finetune_epochs,
                **({'freeze_backbone': True} if scale.freeze_backbone
                   else {}),
                **({'probe_head': True} if scale.probe_head else {}),
                **({'match_stream': True} if scale.match_stream else {}))


def _probe_head(model, clips: torch.Tensor, labels: np.ndarray,
                device: str) -> None:
    """LP-FT (Kumar et al., 2022): start the classifier at the linear
    probe of the model's own pooled features of the training clips (the
    probe's standardisation folded into the weights), so that fine-tuning
    begins from a head that already uses the features."""
    model.to(device).eval()
    with torch.no_grad():
        pooled = torch.cat([model.backbone(clips[i:i + 64].to(device)).float()
                            .cpu() for i in range(0, len(clips), 64)])
    mean, std = pooled.mean(0), pooled.std(0) + 1e-6
    cut = len(labels) * 3 // 4
    standard = (pooled - mean) / std
    l2 = max(L2_GRID, key=lambda l2: _accuracy(
        _fit(standard[:cut], labels[:cut], l2), standard[cut:],
        labels[cut:]))
    layer = _fit(standard, labels, l2)
    with torch.no_grad():
        weight = layer.weight / std
        fc = model.cls_head.fc_cls
        fc.weight.copy_(weight)
        fc.bias.copy_(layer.bias - weight @ mean)


def finetune(scale: Scale, weights, train: Tuple[torch.Tensor, np.ndarray],
             test: Tuple[torch.Tensor, np.ndarray], seed: int,
             device: str) -> Tuple[float, float]:
    """Fine-tune mmaction2's Recognizer3D (the fine-tuning configs' model)
    from ``weights`` (random init if None) on ``train``; returns (test top-1
    in percent, final training loss)."""
    recipe = finetune_recipe(scale)
    torch.manual_seed(seed)
    cfg = Config.fromfile(FINETUNE_MODEL).model
    cfg.backbone.update(scale.encoder, drop_path_rate=recipe['drop_path'])
    cfg.cls_head.update(num_classes=NUM_CLASSES,
                        in_channels=SMILEVisionTransformer(
                            **scale.encoder).embed_dims)
    cfg.data_preprocessor.blending = None  # the recipe mixes no clips
    model = MODELS.build(cfg)
    model.init_weights()
    if weights is not None:
        missing, unexpected = model.backbone.load_state_dict(weights,
                                                             strict=False)
        # fine-tuning pools through a fresh fc_norm instead of the final
        # norm; any other difference is a wrong checkpoint
        if (sorted(missing) != ['fc_norm.bias', 'fc_norm.weight']
                or sorted(unexpected) != ['norm.bias', 'norm.weight']):
            raise RuntimeError(f'pretrained encoder does not fit: missing '
                               f'{missing}, unexpected {unexpected}')
    if recipe.get('probe_head'):
        _probe_head(model, train[0], train[1], device)
    if recipe.get('freeze_backbone'):  # a check: the head on fixed features
        for name, param in model.backbone.named_parameters():
            param.requires_grad_(name.startswith('fc_norm.'))
    model.to(device)
    wrapper = build_optim_wrapper(model, dict(
        type='AmpOptimWrapper' if device != 'cpu' else 'OptimWrapper',
        optimizer=dict(type='AdamW', lr=recipe['lr'], betas=(0.9, 0.999),
                       weight_decay=recipe['weight_decay']),
        constructor='LayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(decay_rate=recipe['layer_decay'],
                           decay_type='layer_wise'),
        **(dict(dtype='bfloat16', loss_scale=dict(enabled=False))
           if device != 'cpu' else {})))
    for group in wrapper.optimizer.param_groups:
        group['initial_lr'] = group['lr']
    clips, labels = train
    labels = torch.from_numpy(labels)
    batch = min(recipe['batch'], len(clips))
    per_epoch = len(clips) // batch
    # epochs count passes over the probe's training clips: every task, of
    # any size, fine-tunes for the same steps
    steps = scale.train_clips // recipe['batch'] * recipe['epochs']
    warmup = max(int(steps * recipe['warmup']), 1)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    losses = torch.zeros(steps, device=device)  # see pretrain
    for step in range(steps):
        if step % per_epoch == 0:
            order = torch.randperm(len(clips), generator=generator)
        if step < warmup:
            rate = (step + 1) / warmup
        else:
            progress = (step - warmup) / max(steps - warmup, 1)
            rate = 0.5 * (1 + np.cos(np.pi * progress))
        for group in wrapper.optimizer.param_groups:
            group['lr'] = recipe['min_lr'] + (
                group['initial_lr'] - recipe['min_lr']) * rate
        index = order[(step % per_epoch) * batch:
                      (step % per_epoch + 1) * batch]
        with wrapper.optim_context(model):
            logits = model.cls_head(model.backbone(clips[index].to(device)))
            loss = F.cross_entropy(logits.float(), labels[index].to(device),
                                   label_smoothing=recipe['label_smoothing'])
        wrapper.update_params(loss)
        losses[step] = loss.detach()
    model.eval()
    test_clips, test_labels = test
    with torch.no_grad(), wrapper.optim_context(model):
        predictions = torch.cat([
            model.cls_head(model.backbone(
                test_clips[i:i + 64].to(device))).argmax(1).cpu()
            for i in range(0, len(test_clips), 64)])
    accuracy = float((predictions.numpy() == test_labels).mean() * 100)
    return accuracy, losses[-per_epoch:].mean().item()


# ------------------------------------------------------------------ reporting
def _read_scores(path: Optional[str]) -> dict:
    """One initialisation's scores: linear probes under ``'black'`` and
    ``'real'``, fine-tuning under ``'finetune'``: {recipe as JSON: {task
    (``--finetune-on`` spec): accuracy}}, so that runs with other recipes
    keep theirs."""
    if not path or not osp.isfile(path):
        return {'finetune': {}}
    with open(path) as file:
        result = json.load(file)
    if 'finetune_recipe' in result:  # the earlier, one-recipe layout
        old = {'real': result.pop('finetune', None),
               'black': result.pop('finetune_black', None)}
        result['finetune'] = {json.dumps(result.pop('finetune_recipe'),
                                         sort_keys=True):
                              {k: v for k, v in old.items() if v is not None}}
    result.setdefault('finetune', {})
    return result


def _spread(values: List[Optional[float]]) -> str:
    """Mean +- sample standard deviation (one value: itself) of the seeds
    that ran (None: not run)."""
    values = [value for value in values if value is not None]
    if len(values) < 2:
        return f'{values[0]:.1f} (1 seed)' if values else 'not run'
    return f'{np.mean(values):.1f} +- {np.std(values, ddof=1):.1f}'


def _per_seed(values: List[Optional[float]]) -> str:
    return ', '.join('-' if x is None else f'{x:.1f}' for x in values) or '-'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--scale', default='cpu', choices=sorted(SCALES))
    parser.add_argument('--runs', default='black-tube,noise-tube',
                        help='pretraining runs, comma-separated, each '
                        'background-masking from ' + ', '.join(RUNS) +
                        ' (Table 7 rows: black, smooth noise, still images '
                        'cut from half of the real clips; tube or trajectory '
                        'masking)')
    parser.add_argument('--iters', type=int,
                        help='pretraining iterations per run (default: the '
                        "scale's)")
    parser.add_argument('--finetune-epochs', type=int,
                        help="fine-tuning epochs (default: the scale's)")
    parser.add_argument('--finetune-on', default='black:80,real:3200',
                        help='fine-tuning tasks, comma-separated, each a '
                        'background (real or black) and optionally :N '
                        "training clips (default: the probe's; fewer are "
                        "the first of the probe's, classes balanced; more "
                        'a larger set of their own); every task takes the '
                        'same steps')
    parser.add_argument('--freeze-backbone', action='store_true',
                        help='fine-tune fc_norm and the head only (a check '
                        'of the fine-tuning path against the linear probe)')
    parser.add_argument('--probe-head', action='store_true',
                        help='LP-FT: the classifier starts at the linear '
                        'probe of the training clips (a check)')
    parser.add_argument('--match-stream', action='store_true',
                        help='fine-tune each pretrained encoder rescaled to '
                        'the residual-stream norm of random init, the same '
                        'function (a check of the stream scale)')
    parser.add_argument('--no-finetune', action='store_true',
                        help='linear probe only')
    parser.add_argument('--videos', default=DEFAULT_VIDEOS,
                        help='real clips: the even-numbered ones (sorted) '
                        'give the still images of image-* runs, the '
                        'odd-numbered ones the backgrounds of the real task')
    parser.add_argument('--stills', type=int, default=1024,
                        help='still images for image-* runs')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--seed-offset', type=int, default=0,
                        help='first seed (to share seeds between processes)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--workers', type=int, default=0,
                        help='data loading processes for pretraining')
    parser.add_argument('--cache', default='work_dirs/learning_signal',
                        help='folder keeping pretrained encoders and scores, '
                        'so that a rerun only reports ("" to disable)')
    parser.add_argument('--report-only', action='store_true',
                        help='write the table from the scores under --cache, '
                        'computing nothing that is missing')
    parser.add_argument('--pretrain-lr', type=float,
                        help='peak pretraining lr (default: the scale\'s, '
                        '3e-4); each lr keeps encoders of its own in the '
                        'cache')
    parser.add_argument('--noise-cell', type=int,
                        help='pixels per cell of the noise backgrounds '
                        '(default: the scale\'s, 4; 1 is white noise); '
                        'other sizes keep encoders of their own')
    parser.add_argument('--finetune-lr', type=float,
                        help='peak fine-tuning lr (default: the recipe\'s)')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    scale = copy.deepcopy(SCALES[args.scale])
    scale.iters = args.iters or scale.iters
    scale.finetune_epochs = args.finetune_epochs or scale.finetune_epochs
    scale.finetune_lr = args.finetune_lr or scale.finetune_lr
    scale.pretrain_lr = args.pretrain_lr or scale.pretrain_lr
    default_cell = scale.noise_cell
    scale.noise_cell = args.noise_cell or scale.noise_cell
    scale.freeze_backbone = args.freeze_backbone
    scale.probe_head = args.probe_head
    scale.match_stream = args.match_stream
    finetune_on = {}  # task name -> (background, clips or None)
    for spec in (spec for spec in args.finetune_on.split(',') if spec):
        background, _, clips = spec.partition(':')
        if background not in PROBE_KINDS or (clips and (
                not clips.isdigit() or int(clips) < NUM_CLASSES)):
            parser.error(f'--finetune-on {spec}: use real or black, '
                         f'optionally :N with N >= {NUM_CLASSES} clips')
        finetune_on[spec] = (background, int(clips) if clips else None)
    runs = [run for run in args.runs.split(',') if run]
    unknown = [run for run in runs if run not in RUNS]
    if unknown:
        parser.error(f'--runs {",".join(unknown)}: unknown; choose from '
                     f'{", ".join(RUNS)}')
    init_default_scope('mmaction')
    # mmaction's layer-decay constructor logs one line per parameter
    MMLogger.get_instance('learning_signal', log_level='WARNING')
    start = time.perf_counter()
    videos = list_videos(args.videos)
    if len(videos) < 2:
        print(f'{len(videos)} video(s) under {args.videos}; the real task '
              'needs at least 2 real clips: pass --videos DIR')
        return 1
    pretrain_videos, probe_videos = videos[0::2], videos[1::2]
    tasks = {}
    for background in ('black', 'real'):
        source = probe_videos if background == 'real' else None
        tasks[background] = (
            motion_task(scale, scale.train_clips, 1, source),
            motion_task(scale, scale.test_clips, 2, source))
    # fine-tuning trains on the probe's clips (or the first of them), or on
    # a larger set of its own; it tests on the probe's test clips
    tuning = {}
    for spec, (background, clips) in finetune_on.items():
        (train_x, train_y), test = tasks[background]
        if clips and clips > scale.train_clips:
            tuning[spec] = (motion_task(
                scale, clips, 3,
                probe_videos if background == 'real' else None), test)
        else:
            tuning[spec] = ((train_x[:clips], train_y[:clips]), test)
    print(f'motion task: {scale.train_clips} train / {scale.test_clips} '
          f'test clips over black and real backgrounds, {NUM_CLASSES} '
          f'classes ({time.perf_counter() - start:.0f} s)', flush=True)
    stills = tempfile.TemporaryDirectory()
    if any(run.startswith('image') for run in runs):
        rng = np.random.default_rng(0)
        for index, image in enumerate(still_images(
                pretrain_videos, args.stills, scale.size * 9 // 8, rng)):
            cv2.imwrite(osp.join(stills.name, f'{index:05d}.png'),
                        image[..., ::-1])

    tag = f'{args.scale}_{scale.iters}it_lr{scale.pretrain_lr:g}'
    cell = (f'_cell{scale.noise_cell}' if scale.noise_cell != default_cell
            else '')  # only noise runs depend on it
    recipe = finetune_recipe(scale)
    recipe_key = json.dumps(recipe, sort_keys=True)
    names = ['random init'] + runs
    kinds = [f'ft:{spec}' for spec in finetune_on] + list(PROBE_KINDS)
    scores: Dict[Tuple[str, str], List[Optional[float]]] = {
        (name, kind): [] for name in names for kind in kinds}
    retrained = 0
    norms: Dict[str, List[float]] = {}  # name -> stream norm per seed
    seeds = range(args.seed_offset, args.seed_offset + args.seeds)
    for seed in seeds:
        for name in names:
            stem = osp.join(args.cache, (
                f'{tag}{cell if name.startswith("noise") else ""}'
                f'_seed{seed}_{name}').replace(' ', '_')
            ) if args.cache else None
            result = _read_scores(stem + '.json' if stem else None)
            tuned = result['finetune'].setdefault(recipe_key, {})
            if args.report_only:  # a seed not run reads as None
                for kind in PROBE_KINDS:
                    scores[name, kind].append(result.get(kind))
                for spec in finetune_on:
                    scores[name, f'ft:{spec}'].append(tuned.get(spec))
                if 'stream_norm' in result:
                    norms.setdefault(name, []).append(result['stream_norm'])
                continue
            missing = [] if args.no_finetune else [
                spec for spec in finetune_on if spec not in tuned]
            if name == 'random init':
                torch.manual_seed(100 + seed)
                encoder = SMILEVisionTransformer(out_type='mean',
                                                 **scale.encoder)
                encoder.init_weights()
                weights = encoder.state_dict()
            elif stem and osp.isfile(stem + '.pth'):
                weights = torch.load(stem + '.pth')
                print(f'seed {seed}: {name}: encoder from {stem}.pth')
            elif all(kind in result for kind in PROBE_KINDS) and not missing:
                weights = None  # everything needed is in the scores
            else:
                print(f'seed {seed}: pretraining {name}', flush=True)
                retrained += 1
                weights = pretrain(scale, name, seed, stills.name,
                                   args.device, args.workers)
                if stem:
                    os.makedirs(args.cache, exist_ok=True)
                    torch.save(weights, stem + '.pth')
            if 'stream_norm' not in result and weights is not None:
                result['stream_norm'] = stream_norm(
                    scale, weights, tasks['black'][0][0][:64])
            for background, ((train_x, train_y), (test_x, test_y)) in \
                    tasks.items():
                if background in result:
                    continue
                result[background], l2 = linear_probe(
                    features(scale, weights, train_x, args.device), train_y,
                    features(scale, weights, test_x, args.device), test_y)
                print(f'seed {seed}: {name}: linear probe, {background} '
                      f'backgrounds: {result[background]:.1f} % (L2 {l2:g})',
                      flush=True)
            if (missing and scale.match_stream and name != 'random init'):
                weights = rescale_stream(weights, norms['random init'][-1]
                                         / result['stream_norm'])
            for spec in missing:
                began = time.perf_counter()
                tuned[spec], loss = finetune(
                    scale, None if name == 'random init' else weights,
                    *tuning[spec], seed, args.device)
                print(f'seed {seed}: {name}: fine-tuned, {spec}: '
                      f'{tuned[spec]:.1f} % (final loss {loss:.3f}, '
                      f'{time.perf_counter() - began:.0f} s)', flush=True)
            if stem:
                os.makedirs(args.cache, exist_ok=True)
                with open(stem + '.json', 'w') as file:
                    json.dump(result, file, indent=1)
            for kind in PROBE_KINDS:
                scores[name, kind].append(result[kind])
            if 'stream_norm' in result:
                norms.setdefault(name, []).append(result['stream_norm'])
            for spec in finetune_on:
                if spec in tuned:
                    scores[name, f'ft:{spec}'].append(tuned[spec])
    minutes = (time.perf_counter() - start) / 60

    rows = []
    for name in names:
        label = name if name == 'random init' else 'pixels, ' + name.replace(
            '-', ' + ').replace('traj', 'trajectory')
        rows.append([label] + [
            text for kind in kinds
            for text in (_spread(scores[name, kind]),
                         _per_seed(scores[name, kind]))])
    row = ['frame differences per patch, no encoder'] + ['-'] * (
        2 * len(finetune_on))
    for (train_x, train_y), (test_x, test_y) in tasks.values():
        accuracy, _ = linear_probe(frame_differences(train_x), train_y,
                                   frame_differences(test_x), test_y)
        row += [f'{accuracy:.1f}', '(deterministic)']
    rows.append(row)
    steps = scale.train_clips // recipe['batch'] * recipe['epochs']
    shares = {run: object_share(scale, run, stills.name) for run in runs}
    stills.cleanup()
    notes = (
        f'{scale.note} (tubelets of 2x16x16, mask ratio 0.75); '
        f'{scale.iters} iterations of {scale.batch} clips per pretraining '
        f'run (AdamW, peak lr {scale.pretrain_lr:g}, warm-up and cosine) '
        f'on moving objects over black images, smooth noise (cells of '
        f'{scale.noise_cell} pixels) or still frames of the other half of '
        f'the real clips (image, Table 7\'s 1-frame row), pixel targets. '
        f'Task: {scale.train_clips} / '
        f'{scale.test_clips} clips of an object from a bank the pretraining '
        f'never saw moving in a straight line; {NUM_CLASSES} classes (4 '
        f'directions x 2 speeds, chance {100 / NUM_CLASSES:.1f} %). '
        f'Fine-tuning, on the same motion task over still crops of real '
        f'clips the pretraining never saw and over black, with the '
        f'training clips of each column: mmaction2 Recognizer3D (fresh '
        f'fc_norm on mean-pooled tokens, TimeSformerHead), AdamW lr '
        f'{recipe["lr"]:g} (Table 17\'s base lr, not scaled to the batch), '
        f'weight decay 0.05, layer decay 0.75, batch {recipe["batch"]}, '
        f'{steps} steps (= {recipe["epochs"]} epochs of '
        f'{scale.train_clips} clips) with the first eighth warm-up and '
        f'cosine to 1e-6, label smoothing 0.1, stochastic depth 0.1, no '
        f'augmentation (a flip changes the label); the same steps for every '
        f'task and initialisation. Linear probe: logistic regression (L2 '
        f'chosen on a '
        f'validation quarter) on the frozen, mean-pooled features, over '
        f'black backgrounds and over the real-clip crops. Mean +- sample '
        f'standard deviation over the seeds {seeds.start} to '
        f'{seeds.stop - 1} that ran (pretraining, random init and '
        f'fine-tuning order; per seed in that order, - where a seed has not '
        f'run, and (1 seed) where one has). The last row probes raw frame '
        f'differences kept per patch: the task is linearly solvable where '
        f'positions are kept. This run: {minutes:.0f} min on '
        f'{args.device}, {retrained} pretraining run(s) in it (the '
        f'others read from --cache). Of the masked tokens (the rest of '
        f'their pixels is background: known over black, never seen under '
        f'a tube over noise):' + ';'.join(
            f' {run}: {touched:.0f} % hold object pixels, {share:.0f} % '
            f'of their pixels' for run, (touched, share) in shares.items())
        + '.' +
        ' Mean token norm after the last block on 64 clips of the black '
        'task (the residual stream; see stream_norm): ' + ', '.join(
            f'{name} {np.mean(values):.0f}'
            for name, values in norms.items()) + '.')
    for row in rows:
        print(' | '.join(row))
    print(notes)
    if not args.no_write:
        section = ('learning_signal' if args.scale == 'cpu' else
                   f'learning_signal_{args.scale}')
        # a check run (any setting off the scale's defaults) writes a table
        # of its own beside the default one, named by what it changed
        changed = [(name, getattr(scale, name)) for name in (
            'iters', 'pretrain_lr', 'noise_cell', 'finetune_epochs',
            'finetune_lr', 'freeze_backbone', 'probe_head', 'match_stream')
            if getattr(scale, name) != getattr(SCALES[args.scale], name)]
        section += ''.join(f'_{name}{value:g}' for name, value in changed)
        command = ' '.join(['python benchmarks/learning_signal.py'] +
                           sys.argv[1:])
        print(record(section, f'Learning signal ({args.scale} scale): '
                     'fine-tuning and linear probe on a held-out motion task'
                     + ''.join(f', {name.replace("_", " ")} {value:g}'
                               for name, value in changed),
                     command,
                     ['initialisation'] + [
                         text for spec, (background, clips)
                         in finetune_on.items()
                         for text in (
                             f'fine-tuned, {background} backgrounds, '
                             f'{clips or scale.train_clips} clips %',
                             'per seed')] +
                     ['linear probe, black %', 'per seed',
                      'linear probe, real %', 'per seed'], rows, notes))
    return 0


if __name__ == '__main__':
    sys.exit(main())
