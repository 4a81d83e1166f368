"""Every fine-tuning, linear-probing and SEVERE config trains a few
iterations, validates and tests on data the test makes, and reports its
metric."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from .downstream_data import make_data, shrink

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'finetune', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'linear_probe', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'severe', '*.py')))
METRICS = {
    'severe_ucf-rc.py': ('count/mean_error', 'count/obo_accuracy'),
    'severe_charades.py': ('acc/mean_average_precision', ),
}


def test_every_protocol_has_configs():
    names = [osp.basename(p) for p in CONFIGS]
    for dataset in ('k400', 'ssv2', 'ucf101', 'hmdb51', 'gym99',
                    'epic_verbs'):
        assert any(n.endswith(f'{dataset}-ft.py') for n in names)
        assert any(n.endswith(f'{dataset}-linear.py') for n in names)
    assert len([n for n in names if n.startswith('severe_')]) == 8


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.basename(p) for p in CONFIGS])
def test_config_trains_and_tests(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = shrink(Config.fromfile(path), str(tmp_path / 'work'))
    make_data(cfg, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    expected = METRICS.get(osp.basename(path),
                           ('acc/top1', 'acc/top5', 'acc/mean1'))
    for key in expected:
        assert key in metrics and 0 <= metrics[key] <= 100
    if 'linear' in path:  # nothing of the frozen encoder learned
        backbone = runner.model.backbone
        assert not backbone.training
        assert all(p.grad is None for p in backbone.parameters())


@pytest.mark.parametrize('path', [p for p in CONFIGS if 'smile_vit-s' in p],
                         ids=lambda p: osp.basename(p))
def test_vit_s_configs_build_a_vit_s(path):
    cfg = Config.fromfile(path)
    assert cfg.model.backbone.arch == 'small'
    assert cfg.model.cls_head.in_channels == 384
    twin = path.replace('smile_vit-s', 'smile_vit-b')
    assert osp.isfile(twin), 'a ViT-S config mirrors a ViT-B one'
    # the same data and recipe as the ViT-B twin
    base = Config.fromfile(twin)
    assert cfg.train_dataloader == base.train_dataloader
    assert cfg.optim_wrapper == base.optim_wrapper


def test_linear_probing_has_vit_s_configs_for_k400_and_ssv2():
    names = [osp.basename(p) for p in CONFIGS]
    assert 'smile_vit-s_16x4x1_k400-linear.py' in names
    assert 'smile_vit-s_16x2x1_ssv2-linear.py' in names
