"""Every config loads, and its training pipeline builds."""
import glob
import re
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from smile_mm.engine import resolve_references

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                     recursive=True)
                 if osp.join('smile', 'tal') not in p)  # OpenTAD configs


def test_configs_exist():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_loads_and_builds_its_pipeline(path):
    cfg = Config.fromfile(path)
    if '_base_' not in osp.relpath(path, ROOT).split(osp.sep):
        # runnable configs register smile_mm for any train.py
        assert cfg.default_scope == 'mmaction'
        assert 'smile_mm' in cfg.custom_imports['imports']
        if cfg.get('runner_type') != 'FlexibleRunner':  # FSDP
            assert cfg.runner_type == 'SMILERunner'
    if 'train_dataloader' not in cfg:
        return
    cfg = resolve_references(cfg)
    init_default_scope('mmaction')
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose
    from smile_mm.datasets import check_pipeline_order
    pipeline = Compose([TRANSFORMS.build(t)
                        for t in cfg.train_dataloader.dataset.pipeline])
    check_pipeline_order(pipeline.transforms)


RECIPES = [p for p in CONFIGS
           if osp.join('smile', 'pretrain') in p]


@pytest.mark.parametrize('path', RECIPES,
                         ids=[osp.basename(p) for p in RECIPES])
def test_recipe_model_builds(path):
    """Every pretraining recipe's model builds; the teacher is swapped for the pixel
    target where it would download CLIP weights."""
    cfg = resolve_references(Config.fromfile(path))
    target = cfg.model.target_generator
    if target.type == 'CLIPTeacher' and target.get('pretrained'):
        cfg.model.target_generator = dict(type='PixelTarget')
    init_default_scope('mmaction')
    from mmaction.registry import MODELS
    model = MODELS.build(cfg.model)
    arch = cfg.model.backbone.arch
    assert model.backbone.embed_dims == {'small': 384, 'base': 768,
                                         'large': 1024}[arch]
    assert model.neck.embed_dims == {'small': 192, 'base': 384,
                                     'large': 512}[arch]
    assert model.neck.out_channels == model.target_generator.out_channels


def test_demo_config_trains(tmp_path):
    from smile_mm.engine.build import build_runner
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'smile', 'pretrain',
                                   'smile_vit-s_demo_cpu.py'))
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.num_samples = 8
    cfg.train_cfg.max_epochs = 1
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
        warmup = cfg.warmup_epochs
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
    for start in (0, 2 * stage):
        assert lrs[start] == pytest.approx(base * cfg.warmup_factor)
        peak = lrs[start:start + 2 * stage]
        assert max(peak) == pytest.approx(base, rel=1e-2)
        assert peak[-1] < 1.5 * cfg.min_lr
