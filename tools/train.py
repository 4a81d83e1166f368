"""Train with mmengine's Runner: ``python tools/train.py CONFIG [options]``.

The same as mmaction2's ``tools/train.py``, with smile_mm imported first (its
upstream fixes and registrations), ``--resume`` taking ``auto`` or a
checkpoint path, and distributed runs on CPUs falling back to gloo.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
import torch
from mmengine.config import Config, DictAction

from smile_mm.datasets.lists.annotation_list import AnnotationError
from smile_mm.engine import (ConfigSettingError, build_runner,
                             shutdown_distributed)
from smile_mm.engine.checkpoint_report import CheckpointMismatchError


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from a checkpoint path, or from the latest checkpoint '
        'of the work dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (AmpOptimWrapper): '
                        'bfloat16 where the GPU supports it, else float16 '
                        'with dynamic loss scaling')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the real batch '
                        'size against auto_scale_lr.base_batch_size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def amp_precision(bf16_supported: Optional[bool] = None) -> dict:
    """AmpOptimWrapper settings for ``--amp``: bfloat16 autocast without loss
    scaling where the GPU supports bf16, float16 with dynamic loss scaling
    elsewhere (float16 masked-video pretraining is prone to NaN losses)."""
    if bf16_supported is None:
        bf16_supported = (torch.cuda.is_available()
                          and torch.cuda.is_bf16_supported())
    if bf16_supported:
        print('--amp: bfloat16 autocast, no loss scaling (this GPU '
              'supports bf16)')
        # bf16 has float32's range: a loss scaler only adds a host sync
        return dict(dtype='bfloat16', loss_scale=dict(enabled=False))
    print('--amp: float16 autocast with dynamic loss scaling (no bf16 on '
          'this device); MAE-style pretraining in float16 can diverge to '
          'NaN, prefer a GPU with bf16 (Ampere or newer)')
    return dict(dtype='float16', loss_scale='dynamic')


def build_config(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print('AmpOptimWrapper is already set in the config')
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError(f'--amp needs optim_wrapper type '
                                 f'OptimWrapper, got {optim_wrapper}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            dtype = cfg.optim_wrapper.get('dtype')
            if dtype is None:
                settings = amp_precision()
            else:  # the config's choice stands
                print(f'--amp: {dtype} autocast, as the config sets '
                      'optim_wrapper.dtype')
                settings = dict(loss_scale=dict(enabled=False) if dtype ==
                                'bfloat16' else 'dynamic')
            for key, value in settings.items():  # as are its other settings
                cfg.optim_wrapper.setdefault(key, value)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ValueError('--auto-scale-lr needs auto_scale_lr='
                             'dict(enable=..., base_batch_size=...) in the '
                             'config')
        cfg.auto_scale_lr.enable = True
    return cfg


def missing_checkpoint(cfg: Config) -> Optional[str]:
    """What to say when the checkpoint to load or resume from is a local
    path that does not exist (mmengine would end in a traceback)."""
    path = cfg.get('load_from')
    if not path or '://' in str(path) or osp.isfile(path):
        return None
    how = '--resume' if cfg.get('resume') else 'load_from'
    return f'checkpoint {path} ({how}) does not exist'


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    cfg = build_config(args)
    problem = missing_checkpoint(cfg)
    if problem:
        print(f'train.py: error: {problem}', file=sys.stderr)
        return 2
    # runner_type: smile_mm's configs' SMILERunner, or mmengine's
    # FlexibleRunner (FSDP, DeepSpeed)
    try:
        runner = build_runner(cfg)
        runner.train()  # datasets read their lists before the first step
    except (ConfigSettingError, AnnotationError,
            CheckpointMismatchError) as error:
        print(f'train.py: error: {error}', file=sys.stderr)
        return 2
    del runner
    shutdown_distributed()
    return 0


if __name__ == '__main__':
    sys.exit(main())
