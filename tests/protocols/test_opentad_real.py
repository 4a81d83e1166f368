"""smile_mm's TAL configs and outputs through OpenTAD's own code.

A copy of ``../shared/vendor/OpenTAD`` (an unmodified snapshot; the tests
skip, saying so, where it is absent) with its CPU NMS extension built in
place runs:

* features from ``tools/extract_features.py`` -> OpenTAD's ``tools/train.py``
  (ActionFormer, THUMOS-14 config, two epochs, evaluated by OpenTAD's mAP)
  -> OpenTAD's ``tools/test.py`` on the saved checkpoint;
* OpenTAD's ``build_detector`` on both end-to-end configs: its
  ``BackboneWrapper`` builds SMILE's encoder, loads a smile_mm checkpoint
  through ``custom.pretrain``, and the detector trains a step.

The scripts run unedited through ``opentad_cpu.py`` (gloo and CPU in place
of NCCL and CUDA).
"""
import functools
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from smile_mm.models import MaskedVideoViT

from ..conftest import write_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VENDOR = osp.join(ROOT, '..', 'shared', 'vendor', 'OpenTAD')
RUNNER = osp.join(osp.dirname(osp.abspath(__file__)), 'opentad_cpu.py')
TAL = osp.join(ROOT, 'configs', 'smile', 'tal')
VIT = dict(embed_dims=32, depth=1, num_heads=2)
CLASSES = [f'action{i:02d}' for i in range(20)]  # THUMOS-14 has 20


@pytest.fixture(scope='session')
def opentad(tmp_path_factory):
    """OpenTAD copied to a scratch folder, its NMS extension built there."""
    if not osp.isdir(VENDOR):
        pytest.skip(f'no OpenTAD snapshot at {osp.normpath(VENDOR)}: the '
                    "tests that run OpenTAD's own code need it")
    if not (shutil.which('c++') or shutil.which('g++')):
        pytest.skip("no C++ compiler to build OpenTAD's CPU NMS extension")
    root = str(tmp_path_factory.mktemp('opentad') / 'OpenTAD')
    shutil.copytree(VENDOR, root)
    nms = osp.join(root, 'opentad', 'models', 'utils', 'post_processing',
                   'nms')
    done = subprocess.run([sys.executable, 'setup.py', 'build_ext',
                           '--inplace'], cwd=nms, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return root


def run_opentad(root, script, *args, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join(
                   [ROOT, os.environ.get('PYTHONPATH', '')]))
    done = subprocess.run([sys.executable, RUNNER, root, script, *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    return output


@pytest.fixture
def tiny_encoder(monkeypatch):
    """extract_features builds a 32-wide, 1-block encoder."""
    import smile_mm.apis.inference as inference
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        functools.partial(inference.SMILEVisionTransformer,
                                          **VIT))


def smile_checkpoint(path, arch='tiny', img_size=32):
    torch.manual_seed(0)
    encoder = MaskedVideoViT(arch, img_size=img_size, num_frames=16, **VIT)
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()}, 'meta': {}},
               path)
    return str(path), encoder


def thumos_like(folder, rng):
    """OpenTAD's THUMOS-14 layout: 4 training and 3 validation videos of
    96 frames at 24 fps, 1 or 2 actions each; the last validation video is
    unreadable, so extract_features lists it in missing_files.txt."""
    videos = folder / 'videos'
    videos.mkdir()
    database = {}
    for index in range(7):
        name = f'video_{index}'
        subset = 'training' if index < 4 else 'validation'
        frames = rng.integers(0, 256, (96, 32, 40, 3), dtype=np.uint8)
        actions = []
        for number in range(1 + index % 2):
            start = 0.4 + 2.0 * number
            frames[int(start * 24):int((start + 1.2) * 24), 8:24, 10:30] = 255
            actions.append(dict(label=CLASSES[index % 3],
                                segment=[start, start + 1.2]))
        if index == 6:
            (videos / f'{name}.mp4').write_bytes(b'not a video')
        else:
            write_video(str(videos / f'{name}.mp4'), frames, fps=24)
        database[name] = dict(subset=subset, duration=4.0, frame=96,
                              annotations=actions)
    annotations = folder / 'thumos_14_anno.json'
    annotations.write_text(json.dumps(dict(database=database)))
    class_map = folder / 'category_idx.txt'
    class_map.write_text('\n'.join(CLASSES) + '\n')
    return str(videos), str(annotations), str(class_map)


def test_features_train_and_test_actionformer(opentad, tmp_path, rng,
                                              tiny_encoder):
    from tools.extract_features import main as extract
    videos, annotations, class_map = thumos_like(tmp_path, rng)
    checkpoint, _ = smile_checkpoint(tmp_path / 'smile.pth')
    features = str(tmp_path / 'features') + '/'
    # exit status 1: one video failed, and is listed for OpenTAD
    assert extract([checkpoint, videos, features, '--arch', 'tiny', '--size',
                    '32', '--batch', '8', '--device', 'cpu',
                    '--annotations', annotations]) == 1
    assert np.load(features + 'video_0.npy').shape == ((96 - 16) // 4 + 1,
                                                       32)
    with open(features + 'missing_files.txt') as file:
        assert file.read().split() == ['video_6']
    work_dir = str(tmp_path / 'work')
    options = ['--cfg-options', f'work_dir={work_dir}',
               f'evaluation.ground_truth_filename={annotations}',
               'model.projection.in_channels=32', 'workflow.end_epoch=2',
               'workflow.val_start_epoch=0', 'workflow.val_eval_interval=2',
               'workflow.logging_interval=1']
    for split in ('train', 'val', 'test'):
        options += [f'dataset.{split}.{key}={value}' for key, value in (
            ('ann_file', annotations), ('class_map', class_map),
            ('data_path', features),
            ('block_list', features + 'missing_files.txt'))]
    config = osp.join(TAL, 'actionformer_thumos14_smile-vit-b_s4.py')
    trained = run_opentad(opentad, 'tools/train.py', config, *options)
    # OpenTAD read smile_mm's missing-files list: the unreadable video is out
    assert 'training subset: 4 videos' in trained
    assert 'validation subset: 2 videos' in trained
    losses = [float(x) for x in re.findall(r'Loss=(\d+\.\d+)', trained)]
    assert losses and all(np.isfinite(losses))
    found = re.findall(r'Average-mAP: +([\d.]+) \(%\)', trained)
    assert len(found) == 1 and 0.0 <= float(found[0]) <= 100.0
    run_dir = osp.join(work_dir, 'gpu1_id0')
    saved = osp.join(run_dir, 'checkpoint', 'epoch_1.pth')
    assert osp.isfile(saved)
    tested = run_opentad(opentad, 'tools/test.py', config, '--checkpoint',
                         saved, *options)
    assert 'Checkpoint is epoch 1.' in tested
    # the same EMA weights on the same videos: the same mAP as in training
    assert re.findall(r'Average-mAP: +([\d.]+) \(%\)', tested) == found


def _tiny_end_to_end(cfg, pretrain):
    """A 2-snippet window of 32 px clips through a 32-wide, 1-block
    encoder; everything else as the config has it."""
    backbone = cfg.model.backbone
    backbone.backbone.update(arch='small', img_size=32, **VIT)
    backbone.custom.pretrain = pretrain
    backbone.custom.pre_processing_pipeline[0].t1 = 2
    post = backbone.custom.post_processing_pipeline
    post[1].t1 = 2
    post[2].size = 32
    cfg.model.projection.update(in_channels=32, max_seq_len=32)
    return cfg


@pytest.mark.parametrize('name', ['frozen', 'fullft'])
def test_backbone_wrapper_builds_and_trains_the_end_to_end_configs(
        opentad, tmp_path, name):
    code = f'''
import sys, torch
sys.argv = ['x']
from mmengine.config import Config
sys.path.insert(0, {ROOT!r})
from tests.protocols.test_opentad_real import _tiny_end_to_end
cfg = Config.fromfile({osp.join(TAL, f"e2e_actionformer_thumos14_smile-vit-b_{name}.py")!r})
from mmengine.utils import import_modules_from_strings
import_modules_from_strings(**cfg.custom_imports)
cfg = _tiny_end_to_end(cfg, {str(tmp_path / "smile.pth")!r})
import opentad.datasets  # registers the pipelines, as tools/train.py does
from opentad.models import build_detector
from opentad.models.backbones.backbone_wrapper import BackboneWrapper
torch.manual_seed(0)
model = build_detector(cfg.model)
wrapper = model.backbone
assert isinstance(wrapper, BackboneWrapper), type(wrapper)
encoder = wrapper.model.backbone
state = torch.load({str(tmp_path / "smile.pth")!r})["state_dict"]
for key, value in encoder.state_dict().items():
    assert torch.equal(value, state["backbone." + key]), key
frames = torch.randint(0, 256, (2, 1, 3, 32, 32, 32)).float()
masks = torch.ones(2, 32, dtype=torch.bool)
model.train()
losses = model(frames, masks, [dict(video_name="a"), dict(video_name="b")],
               gt_segments=[torch.tensor([[4.0, 12.0]]),
                            torch.tensor([[10.0, 30.0]])],
               gt_labels=[torch.tensor([1]), torch.tensor([3])],
               return_loss=True)
losses["cost"].backward()
grads = [p.grad for p in encoder.parameters() if p.grad is not None]
frozen = {name == "frozen"}
assert frozen == (not grads), len(grads)  # the wrapper runs it in no_grad
if not frozen:
    assert any(g.abs().sum() > 0 for g in grads)
    norms = [p for n, p in encoder.named_parameters() if "norm" in n]
    assert norms and all(p.requires_grad for p in norms)  # norm_eval=False
print("E2E OK", {{k: float(v) for k, v in losses.items()}})
'''
    smile_checkpoint(tmp_path / 'smile.pth', arch='small')
    script = tmp_path / 'e2e.py'
    script.write_text(code)
    output = run_opentad(opentad, str(script))
    assert 'E2E OK' in output
