"""Every config loads, and its training pipeline builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                           recursive=True))


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
    if 'train_dataloader' not in cfg:
        return
    init_default_scope('mmaction')
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose
    from smile_mm.datasets import check_pipeline_order
    pipeline = Compose([TRANSFORMS.build(t)
                        for t in cfg.train_dataloader.dataset.pipeline])
    check_pipeline_order(pipeline.transforms)
