"""On a GPU: the K400 pretraining recipes through ``tools/train.py`` for a few
iterations, in each precision, resumed, and under DDP and FSDP with one rank.

Every run trains a recipe unchanged except for its data (real clips listed
``--repeat`` times), a constant learning rate, a short length and a CLIP
teacher with random weights (no download; the same arithmetic). All runs of
one model start from the same weights and read the same batches (seed 0,
``SeededSampler``), so their first losses are of the same batch:

* precision: fp32 (student and teacher in float32), the bf16 teacher (the
  default) and ``--amp`` (bfloat16 autocast for the student too), against
  fp32 on the first iteration; each loss finite and falling;
* resume: a run stopped after one epoch and resumed repeats the
  uninterrupted run (compared with the run-to-run spread of two
  uninterrupted runs);
* DDP and FSDP: ``torch.distributed.run`` with one rank on NCCL, the ViT-S
  recipe and the ViT-L FSDP recipe.

    python benchmarks/gpu_training_checks.py --clips DIR [--archs small base]
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import os.path as osp
import socket
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TRAIN = osp.join(ROOT, 'tools', 'train.py')
RECIPES = {
    'small': 'configs/smile/pretrain/smile_vit-s_16x4x1_300+300e_k400_clip.py',
    'base': 'configs/smile/pretrain/smile_vit-b_16x4x1_300+300e_k400_clip.py',
    'large':
    'configs/smile/pretrain/smile_vit-l_16x4x1_300+300e_k400_clip_fsdp.py',
}
# (name, extra train.py arguments, teacher dtype)
PRECISIONS = [('fp32', [], 'fp32'), ('bf16 teacher', [], 'bf16'),
              ('--amp (bf16)', ['--amp'], 'bf16')]
FP16 = ('--amp fp16 + loss scale',
        ['--amp', '--cfg-options', 'optim_wrapper.dtype=float16',
         'optim_wrapper.loss_scale=dynamic'], 'bf16')


def write_config(folder: str, arch: str, ann_file: str, data_root: str,
                 videos: int, workers: int, epochs: int,
                 teacher_dtype: str) -> str:
    """The recipe with short-run overrides only."""
    path = osp.join(folder, f'{arch}_{teacher_dtype}.py')
    with open(path, 'w') as file:
        file.write(f"""_base_ = [{osp.join(ROOT, RECIPES[arch])!r}]
data_root = {data_root!r}
ann_file_train = {ann_file!r}
train_dataloader = dict(
    batch_size={videos}, num_workers={workers}, persistent_workers=False)
model = dict(target_generator=dict(
    pretrained=None, on_missing_weights='random', dtype={teacher_dtype!r}))
# a constant lr: the warm-up starts at the peak, the cosine is never reached
warmup_factor = 1.0
optim_wrapper = dict(optimizer=dict(lr=3e-4))
train_cfg = dict(max_epochs={epochs})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=-1))
""")
    return path


def run(argv: List[str], log: str, env: Optional[Dict] = None,
        timeout: int = 300) -> Dict:
    start = time.time()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env=dict(os.environ, **(env or {})))
    with open(log, 'w') as file:
        file.write(done.stdout + done.stderr)
    return dict(ok=done.returncode == 0, seconds=time.time() - start,
                tail=(done.stdout + done.stderr)[-1500:])


def losses(work_dir: str) -> Dict[int, float]:
    rows = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as file:
            for line in file:
                entry = json.loads(line)
                if 'loss' in entry:
                    rows[entry['iter']] = entry['loss']
    return dict(sorted(rows.items()))


def step_seconds(work_dir: str) -> float:
    times = []
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as file:
            times += [json.loads(line).get('time') for line in file]
    times = sorted(t for t in times[3:] if t)
    return times[len(times) // 2] if times else math.nan


def falls(loss: Dict[int, float], span: int = 5) -> str:
    values = list(loss.values())
    if len(values) < 2 * span:
        return 'n/a'
    first = sum(values[:span]) / span
    last = sum(values[-span:]) / span
    return f'{first:.3f} -> {last:.3f}'


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def distributed(argv: List[str]) -> List[str]:
    return [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
            '1', '--master_port', free_port(), *argv, '--launcher', 'pytorch']


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', default=DEFAULT_VIDEOS,
                        help='folder of videos to train on')
    parser.add_argument('--archs', nargs='*', default=['small', 'base'],
                        choices=['small', 'base'],
                        help='models of the precision runs (none: skip them)')
    parser.add_argument('--videos', type=int, default=4,
                        help='videos per iteration (2 clips each)')
    parser.add_argument('--iters', type=int, default=30,
                        help='iterations of the precision runs')
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['fp16', 'resume', 'ddp', 'fsdp'])
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    import torch
    device = (torch.cuda.get_device_name() if torch.cuda.is_available()
              else 'CPU')
    videos = list_videos(args.clips)
    if not videos:
        raise SystemExit(f'no videos in {args.clips}')
    args.clips = osp.abspath(args.clips)
    work = args.work_dir or tempfile.mkdtemp(prefix='smile_gpu_checks_')
    os.makedirs(work, exist_ok=True)
    names = [osp.basename(v) for v in videos]

    def annotations(iters: int) -> str:
        path = osp.join(work, f'videos_{iters}.txt')
        count = iters * args.videos
        with open(path, 'w') as file:
            file.writelines(f'{names[i % len(names)]} 0\n'
                            for i in range(count))
        return path

    rows: List[List[str]] = []
    failures: List[str] = []

    def report(check, arch, result, loss, extra=''):
        finite = bool(loss) and all(math.isfinite(v) for v in loss.values())
        if not result['ok']:
            failures.append(f'{check} ({arch}):\n{result["tail"]}')
        rows.append([check, f'ViT-{arch[0].upper()}',
                     'yes' if result['ok'] else 'FAILED', str(len(loss)),
                     'yes' if finite else 'NO', falls(loss), extra,
                     f'{result["seconds"]:.0f}'])
        print(' | '.join(rows[-1]), flush=True)

    one_epoch = annotations(args.iters)
    first_losses: Dict[str, Dict[str, float]] = {}
    for arch in args.archs:
        variants = list(PRECISIONS) + ([FP16] if 'fp16' not in args.skip
                                       and arch == 'small' else [])
        reference = None
        for name, extra, dtype in variants:
            config = write_config(work, arch, one_epoch, args.clips,
                                  args.videos, args.workers, 1, dtype)
            out = osp.join(work, f'{arch}_{name.split()[0].strip("-")}'
                           f'_{len(extra)}')
            result = run([sys.executable, TRAIN, config, '--work-dir', out,
                          *extra], out + '.log')
            loss = losses(out)
            first = loss.get(1, math.nan)
            first_losses.setdefault(arch, {})[name] = first
            if reference is None:
                reference = first
            rel = abs(first - reference) / abs(reference)
            report(name, arch, result, loss,
                   f'iter 1: {first:.4f} ({rel:.1e} vs fp32); '
                   f'{step_seconds(out):.3f} s/iter')

    arch = args.archs[0] if args.archs else 'small'
    if 'resume' not in args.skip:
        per_epoch = max(args.iters // 3, 4)
        ann = annotations(per_epoch)
        config = write_config(work, arch, ann, args.clips, args.videos,
                              args.workers, 2, 'bf16')
        runs = {}
        for name in ('whole', 'again'):
            out = osp.join(work, f'resume_{name}')
            result = run([sys.executable, TRAIN, config, '--work-dir', out,
                          '--amp'], out + '.log')
            runs[name] = (result, losses(out))
        out = osp.join(work, 'resume_parts')
        first = run([sys.executable, TRAIN, config, '--work-dir', out, '--amp',
                     '--cfg-options', 'train_cfg.max_epochs=1'],
                    out + '_1.log')
        second = run([sys.executable, TRAIN, config, '--work-dir', out,
                      '--amp', '--resume'], out + '_2.log')
        result = dict(ok=first['ok'] and second['ok'],
                      seconds=first['seconds'] + second['seconds'],
                      tail=first['tail'] + second['tail'])
        parts = losses(out)
        whole, again = runs['whole'][1], runs['again'][1]

        def spread(a, b):
            if sorted(a) != sorted(b) or not a:
                return f'iterations differ: {sorted(a)} vs {sorted(b)}'
            return f'{max(abs(a[i] - b[i]) for i in a):.2e}'

        report('resume after epoch 1 (--amp)', arch, result, parts,
               f'max abs(resumed - whole) {spread(parts, whole)}; two '
               f'whole runs differ by {spread(again, whole)}')
    if 'ddp' not in args.skip:
        ann = annotations(8)
        config = write_config(work, arch, ann, args.clips, args.videos,
                              args.workers, 1, 'bf16')
        out = osp.join(work, 'ddp')
        result = run(distributed([TRAIN, config, '--work-dir', out, '--amp']),
                     out + '.log')
        log = open(out + '.log').read()
        nccl = 'Distributed training: True' in log and 'nccl' in log
        report('DDP, 1 rank (--amp)', arch, result, losses(out),
               f'NCCL backend in log: {nccl}; checkpoint: '
               f'{osp.isfile(osp.join(out, "epoch_1.pth"))}')
    if 'fsdp' not in args.skip:
        ann = annotations(6)
        for extra in ([], ['--amp']):
            config = write_config(work, 'large', ann, args.clips, 2,
                                  args.workers, 1, 'bf16')
            out = osp.join(work, f'fsdp{len(extra)}')
            result = run(distributed([TRAIN, config, '--work-dir', out,
                                      *extra]), out + '.log')
            checkpoint = osp.join(out, 'epoch_1.pth')
            keys = 'none'
            if osp.isfile(checkpoint):
                state = torch.load(checkpoint, map_location='cpu',
                                   weights_only=False)['state_dict']
                keys = (f'{sum(k.startswith("backbone.") for k in state)} '
                        'backbone tensors')
            report('FSDP, 1 rank' + (' (--amp)' if extra else ''), 'large',
                   result, losses(out), f'full checkpoint: {keys}')

    header = ['check', 'model', 'ran', 'iterations', 'finite',
              'loss first 5 -> last 5', 'details', 'wall s']
    notes = (f'{device}; real clips from {len(videos)} videos, '
             f'{args.videos} videos x 2 clips per iteration, 16x224x224, '
             'constant lr 3e-4, CLIP ViT-B/16 teacher with random weights. '
             'Relative differences of the first loss are against the fp32 '
             'run of the same model on the same batch and weights.')
    print(notes)
    for failure in failures:
        print('FAILED', failure)
    if not args.no_write:
        record('gpu_training_checks', f'Training on a GPU ({device})',
               'python benchmarks/gpu_training_checks.py ' +
               ' '.join(sys.argv[1:]), header, rows, notes)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
