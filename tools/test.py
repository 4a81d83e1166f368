"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

mmaction2's test script with smile_mm imported first; ``--dump`` writes the
predictions to a pickle file. Test a run trained with ``--cfg-options`` with
the config it wrote into its work dir, which holds every override.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from mmengine.config import Config, DictAction

from smile_mm.datasets.lists.annotation_list import AnnotationError
from smile_mm.engine import (ConfigSettingError, build_runner,
                             shutdown_distributed)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for logs and metrics')
    parser.add_argument('--dump', help='pickle file for the predictions')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        print(f'test.py: error: checkpoint {args.checkpoint} does not exist',
              file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'test_dataloader' not in cfg or cfg.get('test_cfg') is None:
        raise ValueError(
            f'{args.config} defines no test_dataloader / test_cfg: '
            'pretraining configs are evaluated by fine-tuning or linear '
            'probing configs')
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must name a .pkl file, got {args.dump}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(evaluator, list)
                              else [evaluator]) + [dump]
    try:
        runner = build_runner(cfg)
        runner.test()
    except (ConfigSettingError, AnnotationError) as error:
        print(f'test.py: error: {error}', file=sys.stderr)
        return 2
    del runner
    shutdown_distributed()
    return 0


if __name__ == '__main__':
    sys.exit(main())
