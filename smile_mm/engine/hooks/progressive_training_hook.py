"""ProgressiveTrainingHook: overlaid clips first, then the original clips."""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterator, List

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...datasets.transforms import SyntheticMotionOverlay


def _datasets(dataset) -> Iterator:
    """The dataset and every dataset it wraps."""
    yield dataset
    for inner in getattr(dataset, 'datasets', []):
        yield from _datasets(inner)
    if hasattr(dataset, 'dataset'):
        yield from _datasets(dataset.dataset)


def find_overlays(dataset) -> List[SyntheticMotionOverlay]:
    """Every SyntheticMotionOverlay in the pipelines of ``dataset``."""
    found = []
    for inner in _datasets(dataset):
        pipeline = getattr(inner, 'pipeline', None)
        for transform in getattr(pipeline, 'transforms', []):
            if isinstance(transform, SyntheticMotionOverlay):
                found.append(transform)
    return found


@HOOKS.register_module()
class ProgressiveTrainingHook(Hook):
    """SMILE's progressive training (section 3.4) in one run.

    Stage 1 (epochs ``0 .. switch_epoch - 1``) trains on overlaid clips;
    stage 2 on the original clips, from stage 1's weights with a fresh
    schedule: at the switch every ``SyntheticMotionOverlay`` of the training
    data stops overlaying, the loader workers restart with that pipeline,
    and (``reset_optimizer``) the optimizer's moments are cleared and each
    parameter group's learning rate is set back to its base value, so the
    stage-2 schedulers (warm-up then cosine from ``switch_epoch``) start
    afresh. A run resumed in stage 2 stays in stage 2; a resumed run repeats
    an uninterrupted one.

    Args:
        switch_epoch: First epoch of stage 2 (loader epochs).
        reset_optimizer: Clear optimizer state and learning rates at the
            switch.
    """

    priority = 'NORMAL'  # before ParamSchedulerHook (LOW) in after_train_iter

    def __init__(self, switch_epoch: int, reset_optimizer: bool = True):
        if switch_epoch < 1:
            raise ValueError(f'switch_epoch must be >= 1, got {switch_epoch}')
        self.switch_epoch = switch_epoch
        self.reset_optimizer = reset_optimizer

    def before_train(self, runner) -> None:
        max_epochs = getattr(runner.train_loop, 'max_epochs', None)
        if max_epochs is None:
            raise ValueError('ProgressiveTrainingHook needs an epoch-based '
                             'train loop (train_cfg.by_epoch=True)')
        if self.switch_epoch >= max_epochs:
            print_log(f'progressive training: this run ends (max_epochs='
                      f'{max_epochs}) before stage 2 starts at epoch '
                      f'{self.switch_epoch}; resume with more epochs for '
                      'stage 2', logger='current', level=logging.WARNING)
        self._overlays = find_overlays(runner.train_dataloader.dataset)
        if not self._overlays:
            raise ValueError('progressive training needs a '
                             'SyntheticMotionOverlay in the training pipeline')
        if runner.epoch >= self.switch_epoch:  # resumed in stage 2
            self._switch_data(runner)

    def _switch_data(self, runner) -> None:
        for overlay in self._overlays:
            overlay.prob = 0.0
        loader = runner.train_dataloader
        if loader.num_workers > 0 and loader.persistent_workers:
            loader._iterator = None  # new workers with the new pipeline
        print_log(f'progressive training: stage 2 from epoch '
                  f'{self.switch_epoch}, original clips without overlay',
                  logger='current')

    def before_train_epoch(self, runner) -> None:
        if runner.epoch == self.switch_epoch:
            self._switch_data(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        switch_iter = self.switch_epoch * len(runner.train_dataloader)
        if not self.reset_optimizer or runner.iter + 1 != switch_iter:
            return
        for optimizer in _optimizers(runner.optim_wrapper):
            optimizer.state = defaultdict(dict)
            for group in optimizer.param_groups:
                group['lr'] = group.get('initial_lr', group['lr'])
        print_log('progressive training: optimizer state cleared and '
                  'learning rates reset for stage 2', logger='current')


def _optimizers(optim_wrapper) -> list:
    wrappers = (optim_wrapper.values() if hasattr(optim_wrapper, 'values')
                else [optim_wrapper])
    return [wrapper.optimizer for wrapper in wrappers]
