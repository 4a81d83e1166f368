"""tools/test.py evaluates a stock mmaction2 recognizer on made-up clips."""
import os.path as osp
import pickle

import numpy as np
import pytest
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import save_checkpoint

from tools.test import main

from ..conftest import MMACTION_LABEL_DATA, write_video

CONFIG = '''
_base_ = [{runtime!r}]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='VisionTransformer', img_size=64, patch_size=16,
                  embed_dims=32, depth=1, num_heads=2, num_frames=4),
    cls_head=dict(type='TimeSformerHead', num_classes=3, in_channels=32,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW'))
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='TolerantVideoDataset', ann_file={ann!r},
                 data_prefix=dict(video={root!r}), pipeline=test_pipeline,
                 test_mode=True))
test_evaluator = dict(type='AccMetric')
test_cfg = dict(type='TestLoop')
'''


@pytest.fixture
def setup(tmp_path, rng):
    root = tmp_path / 'videos'
    root.mkdir()
    lines = []
    for index in range(6):
        write_video(str(root / f'{index}.mp4'),
                    rng.integers(0, 256, (6, 64, 64, 3), dtype=np.uint8))
        lines.append(f'{index}.mp4 {index % 3}')
    ann = tmp_path / 'test.txt'
    ann.write_text('\n'.join(lines) + '\n')
    config = tmp_path / 'recognizer.py'
    runtime = osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'configs', '_base_', 'default_runtime.py')
    config.write_text(CONFIG.format(runtime=runtime, ann=str(ann),
                                    root=str(root)))
    init_default_scope('mmaction')
    model = MODELS.build(Config.fromfile(str(config)).model)
    checkpoint = str(tmp_path / 'model.pth')
    save_checkpoint({'state_dict': model.state_dict(), 'meta': {}},
                    checkpoint)
    return str(config), checkpoint


def test_evaluates_and_dumps(setup, tmp_path):
    config, checkpoint = setup
    dump = str(tmp_path / 'predictions.pkl')
    assert main([config, checkpoint, '--work-dir', str(tmp_path / 'w'),
                 '--dump', dump]) == 0
    with open(dump, 'rb') as file:
        predictions = pickle.load(file)
    assert len(predictions) == 6
    scores = (predictions[0]['pred_scores']['item'] if MMACTION_LABEL_DATA
              else predictions[0]['pred_score'])
    assert scores.shape == (3, )


def test_bad_inputs(setup, tmp_path, capsys):
    config, checkpoint = setup
    missing = str(tmp_path / 'nope.pth')
    assert main([config, missing]) == 2
    assert capsys.readouterr().err == (
        f'test.py: error: checkpoint {missing} does not exist\n')
    with pytest.raises(ValueError, match='.pkl'):
        main([config, checkpoint, '--dump', str(tmp_path / 'p.json')])
    pretrain = osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'configs', 'smile', 'pretrain',
        'smile_vit-s_demo_cpu.py')
    with pytest.raises(ValueError, match='no test_dataloader'):
        main([pretrain, checkpoint])
