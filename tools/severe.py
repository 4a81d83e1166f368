"""Run SEVERE's experiments on one checkpoint and print a table like the
paper's Table 6.

    python tools/severe.py work_dirs/smile/epoch_300.pth --work-dir work_dirs/severe
    python tools/severe.py CKPT --tasks fx-s1 ub-s1 --cfg-options train_dataloader.batch_size=8

Each task fine-tunes from the checkpoint with its config in
configs/smile/severe/ (``smile_vit-b_severe_*`` or ``smile_vit-s_severe_*``,
after the encoder size that ``--arch`` gives or the checkpoint holds) and is
tested with multi-view testing. The mean
follows the paper: the average of the eight numbers, UCF-RC counted as
100 * (1 - mean error).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from mmengine.config import Config, DictAction

from smile_mm.apis.inference import encoder_size
from smile_mm.datasets.lists.annotation_list import AnnotationError
from smile_mm.engine import (ConfigSettingError, build_runner,
                             resolve_references, shutdown_distributed)
from smile_mm.fileio import authors_globals, safe_load
from smile_mm.packaged_configs import config_path
from smile_mm.models.utils.checkpoint_conversion import strip_prefix, unwrap

#: task -> (column title, config without the smile_vit-{b,s}_ prefix, metric
#: key, percentage?)
TASKS = {
    'ssv2': ('SSv2', 'severe_ssv2.py', 'acc/top1', True),
    'gym99': ('Gym99', 'severe_gym99.py', 'acc/top1', True),
    'ucf101-1000': ('UCF (10^3)', 'severe_ucf101-1000.py', 'acc/top1', True),
    'gym99-1000': ('GYM (10^3)', 'severe_gym99-1000.py', 'acc/top1', True),
    'fx-s1': ('FX-S1', 'severe_fx-s1.py', 'acc/mean1', True),
    'ub-s1': ('UB-S1', 'severe_ub-s1.py', 'acc/mean1', True),
    'ucf-rc': ('UCF-RC (err)', 'severe_ucf-rc.py', 'count/mean_error',
               False),
    'charades': ('Charades', 'severe_charades.py', 'acc/mean_average_precision',
                 True),
}


#: encoder size -> config prefix
ARCH_PREFIX = {'base': 'smile_vit-b_', 'small': 'smile_vit-s_'}


def checkpoint_arch(checkpoint: str) -> str:
    """The encoder size of a smile_mm or mmaction2 checkpoint's
    ``backbone.*`` weights."""
    state = unwrap(safe_load(checkpoint, allow=authors_globals()))
    size = encoder_size(strip_prefix(state, 'backbone.'))
    if set(size) != {'arch'} or size['arch'] not in ARCH_PREFIX:
        raise ValueError(
            f'{checkpoint} holds an encoder of {size}; SEVERE configs exist '
            f'for {sorted(ARCH_PREFIX)}: pass --arch with one of them and '
            '--cfg-options for the rest (model.backbone.*, '
            'model.cls_head.in_channels)')
    return size['arch']


def task_config(task: str, arch: str) -> str:
    """The path of ``task``'s config for an encoder of size ``arch``."""
    return config_path(f'smile/severe/{ARCH_PREFIX[arch]}{TASKS[task][1]}')


def task_run_config(task: str, checkpoint: str, work_dir: str,
                    options: Optional[dict], launcher: str,
                    arch: str = 'base') -> Config:
    """``task``'s config with the options, resolved and checked: a setting
    that reaches nothing there is an error before any task trains."""
    cfg = Config.fromfile(task_config(task, arch))
    cfg.launcher = launcher
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = osp.join(work_dir, task)
    cfg.load_from = checkpoint
    resolve_references(cfg)
    return cfg


def run_task(task: str, cfg: Config) -> float:
    """Fine-tune and test ``task`` with its config; its metric."""
    key = TASKS[task][2]
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    if key not in metrics:
        raise KeyError(f'{task}: the test gave {sorted(metrics)}, not {key}')
    return float(metrics[key])


def table(results: Dict[str, float]) -> str:
    """Markdown table in the order of Table 6, with the paper's mean."""
    titles, values, scores = [], [], []
    for task, (title, _, _, percent) in TASKS.items():
        if task not in results:
            continue
        value = results[task]
        titles.append(title)
        if percent:
            values.append(f'{value:.1f}')
            scores.append(value)
        else:
            values.append(f'{value:.3f}')
            scores.append(100 * (1 - value))
    titles.append('Mean')
    values.append(f'{sum(scores) / len(scores):.1f}')
    return '\n'.join(['| ' + ' | '.join(titles) + ' |',
                      '|' + '---|' * len(titles),
                      '| ' + ' | '.join(values) + ' |'])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='SMILE checkpoint to evaluate')
    parser.add_argument('--tasks', nargs='+', choices=list(TASKS),
                        default=list(TASKS))
    parser.add_argument('--arch', default='auto',
                        choices=['auto'] + sorted(ARCH_PREFIX),
                        help='encoder size (auto: read from the checkpoint)')
    parser.add_argument('--work-dir', default='work_dirs/severe')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override entries of every task config')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    args = parser.parse_args(argv)
    if not osp.isfile(args.checkpoint):
        parser.error(f'{args.checkpoint} does not exist')
    arch = (checkpoint_arch(args.checkpoint) if args.arch == 'auto' else
            args.arch)
    configs = {}
    for task in args.tasks:  # every task's settings, before any trains
        try:
            configs[task] = task_run_config(task, args.checkpoint,
                                            args.work_dir, args.cfg_options,
                                            args.launcher, arch)
        except ConfigSettingError as error:
            parser.error(f'{task}: {error}')
    results: Dict[str, float] = {}
    try:
        for task in args.tasks:
            try:
                results[task] = run_task(task, configs[task])
            except AnnotationError as error:
                parser.error(f'{task}: {error}')
    finally:  # the tasks that finished stay in the table
        if results:
            with open(osp.join(args.work_dir, 'severe.md'), 'w') as file:
                file.write(table(results) + '\n')
    print(table(results))
    shutdown_distributed()
    return 0


if __name__ == '__main__':
    sys.exit(main())
