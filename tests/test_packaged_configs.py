"""The configs travel inside the package: smile_mm.apis and 'smile_mm::'
config names work from a built wheel, installed without the checkout."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
from mmengine.config import Config

from smile_mm.packaged_configs import CONFIGS, config_path

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_the_package_ships_every_config_of_the_checkout():
    shipped = sorted(osp.relpath(osp.join(folder, name), CONFIGS)
                     for folder, _, names in os.walk(CONFIGS)
                     for name in names if name.endswith('.py'))
    checkout = sorted(
        osp.relpath(osp.join(folder, name), osp.join(ROOT, 'configs'))
        for folder, _, names in os.walk(osp.join(ROOT, 'configs'))
        for name in names if name.endswith('.py'))
    assert shipped == checkout and len(shipped) > 60
    with pytest.raises(FileNotFoundError, match="smile_mm::smile/nope.py"):
        config_path('smile/nope.py')


def test_a_child_config_inherits_a_shipped_one_by_its_package_name(tmp_path):
    from smile_mm.engine import build_runner
    child = tmp_path / 'mine.py'
    child.write_text(
        "_base_ = ['smile_mm::smile/finetune/smile_vit-s_16x4x1_k400-ft.py']\n"
        'num_classes = 5\nsize = 32\nclip_len = 4\n'
        'model = dict(backbone=dict(embed_dims=32, depth=1, num_heads=2),\n'
        '             cls_head=dict(in_channels=32))\n')
    cfg = Config.fromfile(str(child))
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    assert runner.model.cls_head.fc_cls.out_features == 5
    assert runner.model.backbone.grid == (2, 2, 2)


WHEEL_SCRIPT = '''
import os.path as osp
import sys

import numpy as np
import torch

import smile_mm
assert smile_mm.__file__.startswith({site!r}), smile_mm.__file__
from mmengine.config import Config

from smile_mm.apis import load_config, load_encoder, read_clip
from smile_mm.apis.inference import FEATURES_CONFIG
from smile_mm.engine import resolve_references
from smile_mm.models import MaskedVideoViT

assert FEATURES_CONFIG.startswith({site!r}), FEATURES_CONFIG
torch.manual_seed(0)
vit = MaskedVideoViT('small', img_size=32, num_frames=16, embed_dims=64,
                     depth=1, num_heads=1)  # as --arch auto reads it
torch.save({{'state_dict': {{f'backbone.{{k}}': v
                             for k, v in vit.state_dict().items()}}}},
           'encoder.pth')
import cv2
writer = cv2.VideoWriter('v.mp4', cv2.VideoWriter_fourcc(*'mp4v'), 25,
                         (64, 48))
for frame in np.random.default_rng(0).integers(0, 256, (40, 48, 64, 3),
                                               np.uint8):
    writer.write(frame)
writer.release()
encoder = load_encoder('encoder.pth', img_size=32, num_frames=16)
clip = read_clip('v.mp4', load_config(FEATURES_CONFIG, size=32))
features = encoder(clip)
assert tuple(features.shape) == (1, 64), features.shape
with open('mine.py', 'w') as file:
    file.write("_base_ = ['smile_mm::smile/linear_probe/"
               "smile_vit-s_16x4x1_k400-linear.py']\\nnum_classes = 3\\n")
cfg = resolve_references(Config.fromfile('mine.py'))
assert cfg.model.cls_head.num_classes == 3
print('features', tuple(features.shape))
'''


def test_a_built_wheel_runs_feature_extraction_without_the_checkout(
        tmp_path):
    wheels, site = tmp_path / 'wheels', tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                    '--no-build-isolation', '-q', ROOT, '-w', str(wheels)],
                   check=True, capture_output=True, timeout=600)
    wheel, = wheels.iterdir()
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps',
                    '-q', '--target', str(site), str(wheel)], check=True,
                   capture_output=True, timeout=600)
    assert not (site / 'configs').exists()  # only inside the package
    run = tmp_path / 'run'
    run.mkdir()
    done = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(WHEEL_SCRIPT.format(
            site=str(site)))], cwd=str(run), capture_output=True, text=True,
        timeout=600, env=dict(os.environ, PYTHONPATH=str(site)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert 'features (1, 64)' in done.stdout
