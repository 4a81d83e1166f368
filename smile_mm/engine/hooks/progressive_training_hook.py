"""ProgressiveTrainingHook: overlaid clips first, then the original clips."""
from __future__ import annotations

import copy
import logging
from collections import defaultdict
from typing import Iterator, List, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...datasets.transforms.pipeline_order import OVERLAY, transform_name


def dataset_configs(dataset: dict) -> Iterator[dict]:
    """The dataset config and those of every dataset it wraps."""
    yield dataset
    for inner in dataset.get('datasets', []):
        yield from dataset_configs(inner)
    if isinstance(dataset.get('dataset'), dict):
        yield from dataset_configs(dataset['dataset'])


@HOOKS.register_module()
class ProgressiveTrainingHook(Hook):
    """SMILE's progressive training (section 3.4) in one run.

    Stage 1 (epochs ``0 .. switch_epoch - 1``) trains on overlaid clips;
    stage 2 on the original clips, from stage 1's weights: at the switch the
    hook rebuilds the training loader with the stage-2 pipeline (same
    sampler seed) and, with ``reset_optimizer``, clears the optimizer state
    and learning rates so that the config's stage-2 schedulers start afresh.

    Args:
        switch_epoch: First epoch of stage 2 (loader epochs).
        stage2_pipeline: The training pipeline of stage 2; None takes the
            configured one without its ``SyntheticMotionOverlay``.
        reset_optimizer: Clear optimizer state and learning rates at the
            switch.
    """

    # before DistSamplerSeedHook (NORMAL), which sets the new loader's
    # epoch, and before ParamSchedulerHook (LOW) in after_train_iter
    priority = 'ABOVE_NORMAL'

    def __init__(self, switch_epoch: int,
                 stage2_pipeline: Optional[List[dict]] = None,
                 reset_optimizer: bool = True) -> None:
        if switch_epoch < 1:
            raise ValueError(f'switch_epoch must be >= 1, got {switch_epoch}')
        self.switch_epoch = switch_epoch
        self.stage2_pipeline = stage2_pipeline
        self.reset_optimizer = reset_optimizer

    def before_train(self, runner) -> None:
        max_epochs = getattr(runner.train_loop, 'max_epochs', None)
        if max_epochs is None:
            raise ValueError('ProgressiveTrainingHook needs an epoch-based '
                             'train loop (train_cfg.by_epoch=True)')
        self._stage2_loader_cfg = self.stage2_loader_config(
            runner.cfg.get('train_dataloader'))
        if self.switch_epoch >= max_epochs:
            print_log(f'progressive training: this run ends (max_epochs='
                      f'{max_epochs}) before stage 2 starts at epoch '
                      f'{self.switch_epoch}; resume with more epochs for '
                      'stage 2', logger='current', level=logging.WARNING)
        # resumed in stage 2 (at the switch itself before_train_epoch does it)
        if runner.epoch > self.switch_epoch:
            self._switch_data(runner)

    def stage2_loader_config(self, loader: Optional[dict]) -> dict:
        """The training loader's config with the stage-2 pipeline.

        Raises:
            ValueError: No config, or no overlay to leave out.
        """
        if not loader or 'dataset' not in loader:
            raise ValueError(
                'ProgressiveTrainingHook builds the stage-2 loader from the '
                "config's train_dataloader, and the runner has none: build "
                'the runner with Runner.from_cfg(cfg)')
        loader = copy.deepcopy(loader)
        overlaid = 0
        for dataset in dataset_configs(loader['dataset']):
            pipeline = list(dataset.get('pipeline') or [])
            original = [step for step in pipeline
                        if transform_name(step) != OVERLAY]
            if len(original) == len(pipeline):
                continue  # no overlay here: stage 2 changes nothing
            overlaid += 1
            dataset['pipeline'] = (original if self.stage2_pipeline is None
                                   else copy.deepcopy(self.stage2_pipeline))
        if not overlaid:
            raise ValueError('progressive training needs a '
                             'SyntheticMotionOverlay in the training pipeline')
        return loader

    def _switch_data(self, runner) -> None:
        config = copy.deepcopy(self._stage2_loader_cfg)
        # the stage-1 sampler's seed, also where mmengine leaves it to be
        # drawn (diff_rank_seed): the same shuffle as an uninterrupted run
        seed = getattr(getattr(runner.train_dataloader, 'sampler', None),
                       'seed', None)
        if seed is not None and isinstance(config.get('sampler'), dict):
            config['sampler'].setdefault('seed', seed)
        loader = runner.build_dataloader(
            config, seed=runner.seed,
            diff_rank_seed=runner.cfg.get('randomness', {}).get(
                'diff_rank_seed', False))
        sampler = getattr(loader, 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(runner.epoch)
        # the stage-1 loader and its workers go with the last reference
        runner.train_loop.dataloader = loader
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
        wrappers = runner.optim_wrapper  # an OptimWrapper or a dict of them
        for wrapper in (wrappers.values() if hasattr(wrappers, 'values')
                        else [wrappers]):
            wrapper.optimizer.state = defaultdict(dict)
            for group in wrapper.optimizer.param_groups:
                group['lr'] = group.get('initial_lr', group['lr'])
        print_log('progressive training: optimizer state cleared and '
                  'learning rates reset for stage 2', logger='current')
