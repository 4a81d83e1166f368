"""Every config builds its runner with every setting reaching the run, and
its training pipeline builds in SMILE's order."""
import glob
import re
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from smile_mm.engine import build_runner, resolve_references

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                     recursive=True)
                 if osp.join('smile', 'tal') not in p)  # OpenTAD's runner
RUNNABLE = [p for p in CONFIGS
            if '_base_' not in osp.relpath(p, ROOT).split(osp.sep)]
FAMILIES = ('pretrain', 'finetune', 'linear_probe', 'severe', 'features')


def test_every_vit_b_protocol_config_has_a_vit_s_twin_that_inherits_it():
    by_family = {family: [p for p in RUNNABLE
                          if f'{osp.sep}{family}{osp.sep}' in p]
                 for family in FAMILIES}
    assert sorted(p for ps in by_family.values() for p in ps) == RUNNABLE
    for family in ('finetune', 'linear_probe', 'severe'):
        base = [p for p in by_family[family] if 'smile_vit-b_' in p]
        small = [p for p in by_family[family] if 'smile_vit-s_' in p]
        assert base and len(base) == len(small), family
        for path in base:
            twin = path.replace('smile_vit-b_', 'smile_vit-s_')
            with open(twin) as file:
                assert f"_base_ = ['./{osp.basename(path)}']" in file.read()


def test_every_base_config_is_inherited_by_a_runnable_one():
    used = set()
    for path in RUNNABLE:
        used |= set(re.findall(r'^(/\S+\.py)$', Config.fromfile(path).text,
                               re.MULTILINE))
    bases = set(CONFIGS) - set(RUNNABLE)
    assert bases and not bases - used


def _without_downloads(cfg):
    """The CLIP teacher of the recipes would download its weights: built
    with random ones here (its size and output width are the same)."""
    target = cfg.model.get('target_generator')
    if target is not None and target['type'] == 'CLIPTeacher':
        target.update(pretrained=None, on_missing_weights='random')


@pytest.mark.parametrize('path', RUNNABLE,
                         ids=[osp.relpath(p, ROOT) for p in RUNNABLE])
def test_every_config_builds_its_runner_with_every_setting_reached(
        path, tmp_path):
    """mmengine builds the runner (the model included); the config it runs
    has no reference left, and no setting that reaches nothing (the build
    would stop); the training pipeline builds in SMILE's order."""
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert 'smile_mm' in cfg.custom_imports['imports']
    if cfg.get('runner_type') != 'FlexibleRunner':  # FSDP
        assert cfg.runner_type == 'SMILERunner'
    cfg.work_dir = str(tmp_path)
    _without_downloads(cfg)
    runner = build_runner(cfg)
    assert '${' not in runner.cfg.pretty_text
    init_default_scope('mmaction')
    if osp.join('smile', 'pretrain') in path:
        arch = runner.cfg.model.backbone.arch
        model = runner.model
        if not isinstance(model, torch.nn.Module):  # FSDP builds it later
            from mmaction.registry import MODELS
            model = MODELS.build(runner.cfg.model)
        assert model.backbone.embed_dims == {'small': 384, 'base': 768,
                                             'large': 1024}[arch]
        assert model.neck.embed_dims == {'small': 192, 'base': 384,
                                         'large': 512}[arch]
        assert model.neck.out_channels == model.target_generator.out_channels
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose
    from smile_mm.datasets import check_pipeline_order
    pipeline = Compose([TRANSFORMS.build(t) for t in
                        runner.cfg.train_dataloader.dataset.pipeline])
    check_pipeline_order(pipeline.transforms)


RECIPES = [p for p in CONFIGS if osp.join('smile', 'pretrain') in p]


def test_overlay_and_masking_are_written_once():
    """The pretraining configs do not restate the clip size or the overlay
    and mask settings: one file holds the steps, every recipe reads it."""
    holders = []
    for path in CONFIGS:
        with open(path) as file:
            text = file.read()
        if re.search(r"SyntheticMotionOverlay'|TubeTrajectoryMaskGenerator'|"
                     r'img_size=\d|input_size=\(\d', text):
            holders.append(osp.relpath(path, ROOT))
    assert holders == [osp.join('configs', '_base_', 'datasets',
                                'pretrain_clips.py')]
    for path in RECIPES:
        cfg = Config.fromfile(path)
        cfg.merge_from_dict(dict(size=96, clip_len=8, mask_ratio=0.75))
        cfg = resolve_references(cfg)
        steps = {s['type']: s for s in cfg.train_dataloader.dataset.pipeline}
        assert steps['TubeTrajectoryMaskGenerator']['input_size'] == (8, 96,
                                                                      96)
        assert steps['TubeTrajectoryMaskGenerator']['mask_ratio'] == 0.75
        assert steps['MultiScaleCrop']['input_size'] == 96
        assert (cfg.model.backbone.img_size,
                cfg.model.backbone.num_frames) == (96, 8)


def test_demo_config_trains(tmp_path):
    from smile_mm.engine.build import build_runner
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'smile', 'pretrain',
                                   'smile_vit-s_demo_cpu.py'))
    cfg.work_dir = str(tmp_path)
    cfg.merge_from_dict(dict(num_samples=8, epochs=1))
    runner = build_runner(cfg)
    runner.train()
    assert type(runner.model.target_generator).__name__ == 'PixelTarget'
    assert runner.iter == 2  # 8 clips, 4 per batch
    checkpoint = osp.join(str(tmp_path), 'epoch_1.pth')  # the last
    # it records the token grid of its position table: 16 frames of 112 px
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    assert state._metadata['backbone']['token_grid'] == [8, 7, 7]


PROGRESSIVE = [p for p in RECIPES if '+' in osp.basename(p)]


@pytest.mark.parametrize('path', PROGRESSIVE,
                         ids=[osp.basename(p) for p in PROGRESSIVE])
def test_a_progressive_schedule_derives_from_its_stage_length(path):
    """The file name's stages (in effective epochs, 2 per loader epoch) are
    the schedule's; --cfg-options stage_epochs=N moves every epoch of it."""
    effective = int(re.search(r'_(\d+)\+\d+e_', path).group(1))
    for stage, options in ((effective // 2, {}), (50, {'stage_epochs': 50})):
        cfg = Config.fromfile(path)
        cfg.merge_from_dict(options)
        cfg = resolve_references(cfg)
        assert cfg.train_cfg.max_epochs == 2 * stage
        hooks = [h for h in cfg.custom_hooks
                 if h['type'] == 'ProgressiveTrainingHook']
        assert [h['switch_epoch'] for h in hooks] == [stage]
        warmup = Config.fromfile(path).warmup_epochs
        assert warmup == 20  # Table 18: 40 effective epochs
        spans = [(s['type'], s['begin'], s['end'])
                 for s in cfg.param_scheduler]
        assert spans == [('LinearLR', 0, warmup),
                         ('CosineAnnealingLR', warmup, stage),
                         ('LinearLR', stage, stage + warmup),
                         ('CosineAnnealingLR', stage + warmup, 2 * stage)]
    # mmengine builds them (epochs to iterations, 2 per epoch), and with the
    # hook's reset at the switch each stage starts at the warm-up lr, peaks
    # at the base lr and ends at the floor
    from mmengine.registry import PARAM_SCHEDULERS
    base = cfg.optim_wrapper.optimizer.lr
    optimizer = torch.optim.AdamW(torch.nn.Linear(2, 2).parameters(), lr=base)
    schedulers = []
    for scheduler in cfg.param_scheduler:
        scheduler = dict(scheduler)
        kind = PARAM_SCHEDULERS.get(scheduler.pop('type'))
        assert scheduler.pop('convert_to_iter_based')
        schedulers.append(kind.build_iter_from_epoch(
            optimizer, epoch_length=2, **scheduler))
    lrs = []
    for iteration in range(2 * 2 * stage):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        if iteration + 1 == 2 * stage:  # what ProgressiveTrainingHook does
            group = optimizer.param_groups[0]
            group['lr'] = group['initial_lr']
        for scheduler in schedulers:
            scheduler.step()
    written = Config.fromfile(path)
    for start in (0, 2 * stage):
        assert lrs[start] == pytest.approx(base * written.warmup_factor)
        peak = lrs[start:start + 2 * stage]
        assert max(peak) == pytest.approx(base, rel=1e-2)
        assert peak[-1] < 1.5 * written.min_lr
