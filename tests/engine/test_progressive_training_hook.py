import numpy as np
import pytest
from mmaction.registry import HOOKS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from smile_mm.datasets import SyntheticMotionOverlay
from smile_mm.engine.hooks import ProgressiveTrainingHook

from ..tiny_config import write_tiny_config


def overlays(loader):
    return [t for t in loader.dataset.pipeline.transforms
            if isinstance(t, SyntheticMotionOverlay)]


@HOOKS.register_module(force=True)
class RecordForTest(Hook):
    """Keeps each iteration's learning rate and token masks."""

    def __init__(self):
        self.lrs, self.masks = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])
        self.masks.append([np.asarray(s.mask)
                           for s in data_batch['data_samples']])


def run(tmp_path, **cfg_options):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.custom_hooks.append(dict(type='RecordForTest'))
    cfg.merge_from_dict(cfg_options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    record = [h for h in runner.hooks if isinstance(h, RecordForTest)][0]
    return runner, record


def test_stage_two_uses_original_clips_and_a_fresh_schedule(tmp_path):
    runner, record = run(tmp_path)
    assert len(record.lrs) == 16  # 4 epochs x 4 iterations
    # warm-up from 0.1 x lr in both stages, cosine down within each
    assert record.lrs[0] == pytest.approx(1e-4)
    assert record.lrs[8] == pytest.approx(1e-4)
    assert record.lrs[4] == pytest.approx(1e-3)
    assert record.lrs[12] == pytest.approx(1e-3)
    assert record.lrs[7] < 2e-4 and record.lrs[15] < 2e-4
    # stage 1 masks follow objects; stage 2 masks are plain tubes
    def is_tube(mask):
        return bool((mask == mask[0]).all())
    stage1 = [is_tube(m) for masks in record.masks[:8] for m in masks]
    stage2 = [is_tube(m) for masks in record.masks[8:] for m in masks]
    assert not all(stage1) and all(stage2)
    # stage 2 runs on a loader built with the pipeline without the overlay
    names = [type(t).__name__ for t in
             runner.train_dataloader.dataset.pipeline.transforms]
    assert 'SyntheticMotionOverlay' not in names
    assert names[-3:] == ['TubeTrajectoryMaskGenerator', 'FormatShape',
                          'PackActionInputs']
    assert runner.train_dataloader.sampler.epoch == 3
    # the optimizer restarted at the switch: 8 Adam steps since
    optimizer = runner.optim_wrapper.optimizer
    steps = {int(state['step']) for state in optimizer.state.values()}
    assert steps == {8}


def test_switch_after_the_run_is_said_in_the_log(tmp_path):
    import logging
    from mmengine.logging import MMLogger
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    runner = None
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        cfg = Config.fromfile(write_tiny_config(tmp_path))
        cfg.work_dir = str(tmp_path / 'work')
        cfg.train_cfg.max_epochs = 1
        runner = Runner.from_cfg(cfg)
        runner.logger.addHandler(handler)
        runner.train()
    finally:
        logger.removeHandler(handler)
    assert any('before stage 2 starts at epoch 2' in line for line in lines)
    assert [o.prob for o in overlays(runner.train_dataloader)] == [1]


def test_a_declared_stage_two_pipeline_is_the_one_built(tmp_path):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    written = cfg.train_dataloader.to_dict()
    stage2 = [step for step in cfg.train_dataloader.dataset.pipeline
              if step['type'] not in ('SyntheticMotionOverlay', 'Flip')]
    hook = ProgressiveTrainingHook(switch_epoch=2, stage2_pipeline=stage2)
    loader = hook.stage2_loader_config(cfg.train_dataloader)
    assert loader['dataset']['pipeline'] == stage2
    # the default leaves out the overlay and nothing else
    default = ProgressiveTrainingHook(switch_epoch=2).stage2_loader_config(
        cfg.train_dataloader)['dataset']['pipeline']
    assert [s['type'] for s in default] == [
        s['type'] for s in cfg.train_dataloader.dataset.pipeline
        if s['type'] != 'SyntheticMotionOverlay']
    # and the configured loader is left as written
    assert cfg.train_dataloader.to_dict() == written


def test_a_wrapped_dataset_gets_the_stage_two_pipeline(tmp_path):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    wrapped = dict(cfg.train_dataloader,
                   dataset=dict(type='RepeatDataset', times=2,
                                dataset=cfg.train_dataloader.dataset))
    built = ProgressiveTrainingHook(switch_epoch=2).stage2_loader_config(
        wrapped)
    assert 'SyntheticMotionOverlay' not in [
        s['type'] for s in built['dataset']['dataset']['pipeline']]


def test_without_an_overlay_or_a_loader_config_it_says_so(tmp_path):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    hook = ProgressiveTrainingHook(switch_epoch=2)
    plain = dict(cfg.train_dataloader)
    plain['dataset'] = dict(plain['dataset'], pipeline=[
        s for s in cfg.train_dataloader.dataset.pipeline
        if s['type'] != 'SyntheticMotionOverlay'])
    with pytest.raises(ValueError, match='needs a SyntheticMotionOverlay'):
        hook.stage2_loader_config(plain)
    with pytest.raises(ValueError, match='Runner.from_cfg'):
        hook.stage2_loader_config(None)
    with pytest.raises(ValueError, match='switch_epoch must be >= 1, got 0'):
        ProgressiveTrainingHook(switch_epoch=0)


class FakeRunner:
    """What the hook reads of a runner; counts the loaders it builds."""

    def __init__(self, cfg, epoch):
        from types import SimpleNamespace
        self.cfg, self.epoch, self.seed, self.built = cfg, epoch, 3, []
        sampler = SimpleNamespace(seed=11, set_epoch=lambda epoch: None)
        self.train_loop = SimpleNamespace(
            max_epochs=4, dataloader=SimpleNamespace(sampler=sampler))

    @property
    def train_dataloader(self):
        return self.train_loop.dataloader

    def build_dataloader(self, config, seed, diff_rank_seed):
        from types import SimpleNamespace
        self.built.append((config, seed))
        epochs = []
        return SimpleNamespace(config=config, epochs=epochs, sampler=(
            SimpleNamespace(set_epoch=epochs.append)))


@pytest.mark.parametrize('resumed_at, builds', [(0, 1), (2, 1), (3, 1)])
def test_the_stage_two_loader_is_built_once(tmp_path, resumed_at, builds):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    runner = FakeRunner(cfg, resumed_at)
    hook = ProgressiveTrainingHook(switch_epoch=2)
    hook.before_train(runner)
    for epoch in range(resumed_at, 4):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
    assert len(runner.built) == builds
    config, _ = runner.built[0]
    # the stage-1 sampler's seed, and the epoch it starts in
    assert config['sampler']['seed'] == 11
    assert runner.train_dataloader.epochs == [max(resumed_at, 2)]


def test_only_pipelines_that_overlay_change(tmp_path):
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    plain = [dict(type='LoadStaticClip', clip_len=4),
             dict(type='FormatShape', input_format='NCTHW'),
             dict(type='PackActionInputs')]
    declared = [dict(type='LoadStaticClip', clip_len=4)]
    concat = dict(cfg.train_dataloader, dataset=dict(
        type='ConcatDataset', datasets=[
            cfg.train_dataloader.dataset,
            dict(cfg.train_dataloader.dataset, pipeline=plain)]))
    for hook, first in ((ProgressiveTrainingHook(2), None),
                        (ProgressiveTrainingHook(2, declared), declared)):
        datasets = hook.stage2_loader_config(concat)['dataset']['datasets']
        assert datasets[1]['pipeline'] == plain
        assert datasets[0]['pipeline'] == (first or [
            s for s in cfg.train_dataloader.dataset.pipeline
            if s['type'] != 'SyntheticMotionOverlay'])
