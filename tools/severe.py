"""Run SEVERE's experiments on one checkpoint and print a table like the
paper's Table 6.

    python tools/severe.py work_dirs/smile/epoch_300.pth --work-dir work_dirs/severe
    python tools/severe.py CKPT --tasks fx-s1 ub-s1 --cfg-options train_dataloader.batch_size=8

Each task fine-tunes from the checkpoint with its config in
configs/smile/severe/ and is tested with multi-view testing. The mean
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
from mmengine.runner import Runner

from smile_mm.engine import shutdown_distributed

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: task -> (column title, config, metric key, percentage?)
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


def run_task(task: str, checkpoint: str, work_dir: str,
             options: Optional[dict], launcher: str) -> float:
    _, config, key, _ = TASKS[task]
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'smile', 'severe',
                                   config))
    cfg.launcher = launcher
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = osp.join(work_dir, task)
    cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
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
    parser.add_argument('--work-dir', default='work_dirs/severe')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override entries of every task config')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    args = parser.parse_args(argv)
    if not osp.isfile(args.checkpoint):
        parser.error(f'{args.checkpoint} does not exist')
    results = {}
    for task in args.tasks:
        results[task] = run_task(task, args.checkpoint, args.work_dir,
                                 args.cfg_options, args.launcher)
    report = table(results)
    with open(osp.join(args.work_dir, 'severe.md'), 'w') as file:
        file.write(report + '\n')
    print(report)
    shutdown_distributed()
    return 0


if __name__ == '__main__':
    sys.exit(main())
