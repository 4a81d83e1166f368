"""Pretraining throughput of SMILE: clips/s, model FLOPs utilisation and
peak memory of full steps (student forward and backward, CLIP ViT-B/16
teacher forward, AdamW step) on synthetic clips, side by side with a
reference of the same math written the way the authors' code does it.

smile_mm: fused attention (``F.scaled_dot_product_attention``), bf16
autocast for student and teacher on GPUs, the teacher on the first frame of
each tubelet only; ``--compile`` adds ``torch.compile`` of the student.
Reference: hand-written attention, the teacher in fp32 with gradient
checkpointing on every block inside no_grad, fp16 autocast with a loss
scaler for the student (on CPUs both run in fp32).

    python benchmarks/train_throughput.py --archs small base --batch 32 64
    python benchmarks/train_throughput.py --archs small --batch 2 --steps 2   # CPU

On a GPU it also writes the scaling on paper for 8 to 64 GPUs (linear in
the measured per-GPU clips/s) and the hours of 600 K400 epochs.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys
import time
import types
from typing import Dict, List

import numpy as np
import torch
from torch.utils.checkpoint import checkpoint

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from smile_mm.datasets import TubeTrajectoryMaskGenerator  # noqa: E402
from smile_mm.models.layers import Attention  # noqa: E402

DECODER = {'small': (192, 3), 'base': (384, 6), 'large': (512, 8)}
K400_CLIPS_600_EPOCHS = 240_436 * 600  # effective epochs count clips


def build(arch: str, size: int, device: str) -> torch.nn.Module:
    width, heads = DECODER[arch]
    model = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', arch=arch, img_size=size),
        neck=dict(type='VideoMAEDecoder', embed_dims=width, num_heads=heads),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='CLIPTeacher', model_name='ViT-B-16',
                              pretrained=None, on_missing_weights='random',
                              dtype='bf16' if device.startswith('cuda')
                              else 'fp32')))
    model.init_weights()
    return model.to(device)


def _handwritten_attention(self: Attention, x: torch.Tensor) -> torch.Tensor:
    batch, tokens, channels = x.shape
    qkv = self.qkv(x) + torch.cat([self.q_bias, torch.zeros_like(
        self.v_bias), self.v_bias])
    q, k, v = qkv.reshape(batch, tokens, 3, self.num_heads,
                          -1).permute(2, 0, 3, 1, 4)
    weights = (q * (channels // self.num_heads)**-0.5) @ k.transpose(-2, -1)
    x = (weights.softmax(dim=-1) @ v).transpose(1, 2)
    return self.proj(x.reshape(batch, tokens, channels))


def as_reference(model: torch.nn.Module) -> torch.nn.Module:
    """The same model run the way the authors' code runs it."""
    for module in model.modules():
        if isinstance(module, Attention):
            module.forward = types.MethodType(_handwritten_attention, module)
    backbone = model.backbone
    # tubelets through the Conv3d, and a host round trip for the visible
    # tokens, as the boolean indexing of VideoMAE's and the authors'
    # encoders costs one
    backbone.embed = lambda video: backbone.patch_embed(video)[0]
    backbone.forward = (lambda video, visible=None, encode=backbone.forward:
                        encode(video, None if visible is None else
                               visible.cpu().to(video.device)))
    teacher = model.target_generator
    teacher.dtype = 'fp32'
    for block in teacher.visual.transformer.resblocks:
        forward = block.forward
        block.forward = (lambda *a, forward=forward, **k: checkpoint(
            forward, *a, use_reentrant=False, **k))
    return model


def synthetic_batch(batch: int, size: int, device: str) -> Dict:
    rng = np.random.default_rng(0)
    masks = TubeTrajectoryMaskGenerator(input_size=(16, size, size))
    samples = []
    for _ in range(batch):
        sample = ActionDataSample()
        sample.set_field(torch.from_numpy(masks.sample(rng)), 'mask')
        samples.append(sample)
    inputs = [torch.from_numpy(rng.integers(0, 256, (1, 3, 16, size, size),
                                            dtype=np.uint8)).to(device)
              for _ in range(batch)]
    return dict(inputs=inputs, data_samples=samples)


def flops_per_clip(model, data) -> float:
    """Forward + backward FLOPs of one step, per clip (torch's counter)."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        processed = model.data_preprocessor(data, True)
        model(**processed, mode='loss')['loss'].backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(data['inputs'])


def measure(model, data, steps: int, warmup: int, precision: str,
            device: str, profile: bool = False) -> Dict[str, float]:
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4)
    cuda = device.startswith('cuda')
    dtype = dict(bf16=torch.bfloat16, fp16=torch.float16).get(precision)
    scaler = torch.amp.GradScaler('cuda', enabled=cuda and
                                  precision == 'fp16')

    def step():
        autocast = (torch.autocast('cuda', dtype=dtype) if cuda and dtype
                    else contextlib.nullcontext())
        with autocast:
            processed = model.data_preprocessor(data, True)
            loss = model(**processed, mode='loss')['loss']
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(warmup):
        step()
    static = 0.0
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        static = torch.cuda.memory_allocated() / 2**30
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if cuda:
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / steps
    memory = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    if profile:
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile as profiler
        with profiler(activities=[ProfilerActivity.CPU,
                                  ProfilerActivity.CUDA]) as prof:
            for _ in range(2):
                step()
            torch.cuda.synchronize()
        print(prof.key_averages().table(sort_by='self_cuda_time_total',
                                        row_limit=25, max_name_column_width=60))
    return dict(clips_per_s=len(data['inputs']) / seconds,
                memory_gib=memory, static_gib=static)


def fitting_batch(result: Dict[str, float], batch: int) -> int:
    """The largest batch (a multiple of 8) whose activations, at the
    measured memory per clip, fit in 92 % of the device's memory."""
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    per_clip = (result['memory_gib'] - result['static_gib']) / batch
    return max(8, int((0.92 * total - result['static_gib']) / per_clip)
               // 8 * 8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--archs', nargs='+', default=['small', 'base'],
                        choices=sorted(DECODER))
    parser.add_argument('--batch', nargs='+', type=int, default=[2],
                        help='clips per step, one per arch (or one for all)')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the student (smile_mm only)')
    parser.add_argument('--peak-tflops', type=float, default=989.0,
                        help='the device\'s dense bf16 peak (H100 SXM: 989)')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--fit', action='store_true',
                        help='also measure smile_mm at the largest batch '
                        'that fits (GPU only)')
    parser.add_argument('--profile', action='store_true',
                        help='print the torch profiler\'s top kernels of '
                        'smile_mm\'s step (GPU only)')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    init_default_scope('mmaction')
    batches = (args.batch * len(args.archs) if len(args.batch) == 1 else
               args.batch)
    cuda = args.device.startswith('cuda')
    device_name = (torch.cuda.get_device_name() if cuda else
                   f'CPU, {torch.get_num_threads()} threads')
    rows: List[List[str]] = []
    scaling: List[List[str]] = []
    for arch, batch in zip(args.archs, batches):
        data = synthetic_batch(batch, args.size, args.device)
        results = {}
        for name in ('smile_mm', 'reference', 'smile_mm, fitted batch'):
            if name.endswith('fitted batch'):
                if not (cuda and args.fit):
                    continue
                batch_fit = fitting_batch(results['smile_mm'], batch)
                data = synthetic_batch(batch_fit, args.size, args.device)
            torch.manual_seed(0)
            model = build(arch, args.size, args.device)
            if name == 'reference':
                as_reference(model)
            # counted before compiling: the counter sees every op eagerly
            flops = flops_per_clip(model, synthetic_batch(1, args.size,
                                                          args.device))
            if name == 'reference':
                precision = 'fp16' if cuda else 'fp32'
            else:
                precision = 'bf16' if cuda else 'fp32'
                if args.compile:
                    model.backbone = torch.compile(model.backbone)
                    model.neck = torch.compile(model.neck)
            result = None
            for _ in range(3):  # the fitted batch shrinks by a quarter on OOM
                try:
                    result = measure(model, data, args.steps, args.warmup,
                                     precision, args.device,
                                     profile=(args.profile and cuda
                                              and name == 'smile_mm'))
                    break
                except Exception as error:  # noqa: BLE001
                    if not isinstance(error, torch.cuda.OutOfMemoryError):
                        # e.g. an inductor fault under --compile: reported
                        print(f'{name}: {type(error).__name__}: '
                              f'{str(error).strip()[:300]}')
                        break
                    print(f'{name}: out of memory at batch '
                          f'{len(data["inputs"])}')
                    model.zero_grad(set_to_none=True)
                    torch.cuda.empty_cache()
                    if not name.endswith('fitted batch'):
                        break
                    data = synthetic_batch(len(data['inputs']) * 3 // 4 // 8
                                           * 8, args.size, args.device)
            if result is None:
                del model
                torch.cuda.empty_cache()
                continue
            result['tflops'] = flops * result['clips_per_s'] / 1e12
            result['batch'] = len(data['inputs'])
            results[name] = result
            del model
            if cuda:
                torch.cuda.empty_cache()
        for name, result in results.items():
            speedup = result['clips_per_s'] / results['reference'][
                'clips_per_s']
            mfu = (f"{100 * result['tflops'] / args.peak_tflops:.1f}"
                   if cuda else 'n/a')
            rows.append([f'ViT-{arch[0].upper()}', name, str(result['batch']),
                         f"{result['clips_per_s']:.2f}", f'{speedup:.2f}x',
                         f"{result['tflops']:.2f}", mfu,
                         f"{result['memory_gib']:.1f}" if cuda else 'n/a'])
            print(' | '.join(rows[-1]), flush=True)
        if cuda:
            per_gpu = max(r['clips_per_s'] for n, r in results.items()
                          if n.startswith('smile_mm'))
            for gpus in (8, 16, 32, 64):
                hours = K400_CLIPS_600_EPOCHS / (per_gpu * gpus) / 3600
                scaling.append([f'ViT-{arch[0].upper()}', str(gpus),
                                f'{per_gpu * gpus:.0f}', f'{hours:.1f}'])
    notes = (f'Device: {device_name}; {args.size} px, 16 frames, mask 0.8, '
             f'CLIP ViT-B/16 teacher (random weights, same arithmetic); '
             f'FLOPs from torch.utils.flop_counter (forward + backward); MFU '
             f'against {args.peak_tflops:g} TFLOP/s.')
    if scaling:
        notes += ('\n\nScaling on paper (linear in the measured per-GPU '
                  'clips/s; data loading assumed to keep up):\n\n'
                  '| model | GPUs | clips/s | hours for 600 K400 epochs |\n'
                  '|---|---|---|---|\n' +
                  '\n'.join('| ' + ' | '.join(r) + ' |' for r in scaling))
    print(notes)
    if not args.no_write:
        section = 'train_throughput_gpu' if cuda else 'train_throughput_cpu'
        if args.compile:
            section += '_compile'
        record(section, f'Pretraining throughput ({device_name}'
               f'{", torch.compile" if args.compile else ""})',
               'python benchmarks/train_throughput.py ' +
               ' '.join(sys.argv[1:]),
               ['model', 'implementation', 'batch', 'clips/s', 'vs reference',
                'TFLOP/s', 'MFU %', 'peak GiB'], rows, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
