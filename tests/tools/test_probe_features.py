"""tools/probe_features.py: cached linear probe and k-NN of a shipped
linear-probing config, checked against mmaction2's own test loop."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import save_checkpoint

from smile_mm.engine import resolve_references

from tools import probe_features
from tools import test as test_tool

from ..conftest import MMACTION_LABEL_DATA, write_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHIPPED = osp.join(ROOT, 'configs', 'smile', 'linear_probe',
                   'smile_vit-b_16x4x1_ucf101-linear.py')
COLOURS = np.array([[220, 40, 40], [40, 200, 40], [40, 40, 220]])

CHILD = '''
_base_ = [{base!r}]
num_classes = 3
size, clip_len, frame_interval = 32, 4, 1
data_root = {videos!r}
ann_file_train = {train!r}
ann_file_val = {test!r}
model = dict(
    backbone=dict(arch='small', embed_dims=32, depth=1, num_heads=2),
    cls_head=dict(in_channels=32))
__train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${{clip_len}}',
         frame_interval='${{frame_interval}}', num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=('${{size}}', '${{size}}'), keep_ratio=False),
    dict(type='Flip', flip_ratio={flip}),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
__val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${{clip_len}}',
         frame_interval='${{frame_interval}}', num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${{size}}')),
    dict(type='CenterCrop', crop_size='${{size}}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# two clips x three crops per test video
__test_pipeline = [
    dict(step, num_clips=2) if step['type'] == 'SampleFrames' else
    dict(type='ThreeCrop', crop_size='${{size}}')
    if step['type'] == 'CenterCrop' else step for step in __val_pipeline]
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=__train_pipeline))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(pipeline=__val_pipeline))
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                       dataset=dict(pipeline=__test_pipeline))
train_cfg = dict(max_epochs=3)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=3, eta_min=1e-6,
                        by_epoch=True, begin=0, end=3,
                        convert_to_iter_based=True)]
auto_scale_lr = dict(base_batch_size=4)
'''


def _write_split(root, name, per_class, rng):
    lines = []
    for label, colour in enumerate(COLOURS):
        for index in range(per_class):
            frames = np.clip(colour + rng.normal(0, 25, (8, 48, 64, 3)), 0,
                             255).astype(np.uint8)
            video = f'{name}_{label}_{index}.mp4'
            write_video(str(root / 'videos' / video), frames)
            lines.append(f'{video} {label}')
    path = root / f'{name}.txt'
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


@pytest.fixture
def setup(tmp_path, rng):
    (tmp_path / 'videos').mkdir()
    train = _write_split(tmp_path, 'train', 4, rng)
    test = _write_split(tmp_path, 'test', 2, rng)

    def config(flip=0.5):
        path = tmp_path / f'probe_flip{flip}.py'
        path.write_text(CHILD.format(base=SHIPPED, flip=flip,
                                     videos=str(tmp_path / 'videos'),
                                     train=train, test=test))
        return str(path)

    init_default_scope('mmaction')
    cfg = resolve_references(Config.fromfile(config()))
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = str(tmp_path / 'encoder.pth')
    save_checkpoint(model.state_dict(), checkpoint)
    return dict(config=config, checkpoint=checkpoint, root=tmp_path)


def _run(setup, work, *extra, flip=0.5, config=None):
    return probe_features.main([config or setup['config'](flip),
                                setup['checkpoint'], '--work-dir', str(work),
                                '--workers', '0', *extra])


def test_cached_probe_equals_mmaction_test_of_its_checkpoint(setup,
                                                             capsys):
    work = setup['root'] / 'work'
    capsys.readouterr()
    assert _run(setup, work) == 0
    # the console: one line for the load, the initialisation in the log
    console = capsys.readouterr().out
    assert 'Initialized by' not in console
    assert 'Name of parameter' not in console
    assert 'Loads checkpoint by' not in console
    loaded = [line for line in console.splitlines() if 'Loaded ' in line]
    assert len(loaded) == 1 and loaded[0].endswith(
        'nothing else differs')
    with open(work / 'probe_features.log') as file:
        assert 'Name of parameter - Initialization information' in \
            file.read()
    with open(work / 'results.json') as file:
        results = json.load(file)
    # 4 train clips x 2 flips; the test pipeline's 2 clips x 3 crops
    assert results['recipe']['train_views'] == 8
    assert results['recipe']['test_views'] == 6
    assert results['videos'] == dict(train=12, test=6,
                                     failed={'train': {}, 'test': {}})
    assert results['recipe']['epochs'] == 3
    assert results['recipe']['batch_size'] == 4
    assert osp.isfile(work / 'confusion_linear.png')
    assert osp.isfile(work / 'confusion_knn.png')
    scores = np.load(work / 'scores_linear.npy')
    # mmaction2's own test loop on the checkpoint the tool wrote
    dump = str(setup['root'] / 'preds.pkl')
    assert test_tool.main([setup['config'](), str(work / 'linear_probe.pth'),
                      '--work-dir', str(setup['root'] / 'test_work'),
                      '--dump', dump]) == 0
    with open(dump, 'rb') as file:
        predictions = pickle.load(file)
    key = 'pred_scores' if MMACTION_LABEL_DATA else 'pred_score'
    reference = np.stack([
        np.asarray(p[key]['item'] if MMACTION_LABEL_DATA else p[key])
        for p in predictions])
    np.testing.assert_allclose(scores, reference, atol=1e-5)
    top1 = 100 * float(np.mean(reference.argmax(1) == np.repeat(
        np.arange(3), 2)))
    assert results['linear']['top1'] == pytest.approx(top1)


def test_colours_are_separated_by_both_probes(setup):
    work = setup['root'] / 'work'
    assert _run(setup, work, '--epochs', '30') == 0
    with open(work / 'results.json') as file:
        results = json.load(file)
    assert results['knn']['top1'] == 100.0
    assert results['linear']['top1'] == 100.0
    assert results['recipe']['epochs'] == 30


def test_features_are_reused_until_what_made_them_changes(setup,
                                                          monkeypatch):
    work = setup['root'] / 'work'
    assert _run(setup, work) == 0
    first = np.load(work / 'features' / 'train' / 'features.npy')

    def no_extraction(*args, **kwargs):
        raise AssertionError('features were extracted again')

    monkeypatch.setattr(probe_features, 'extract_features', no_extraction)
    assert _run(setup, work, '--epochs', '2') == 0
    # other weights: extracted again, and different
    monkeypatch.undo()
    state = torch.load(setup['checkpoint'], weights_only=False)
    for key, value in state.items():
        if key.startswith('backbone.') and value.is_floating_point():
            value.add_(0.5)
    torch.save(state, setup['checkpoint'])
    assert _run(setup, work) == 0
    second = np.load(work / 'features' / 'train' / 'features.npy')
    assert first.shape == second.shape
    assert not np.allclose(first, second)


def test_a_list_rewritten_in_place_is_extracted_again(setup, monkeypatch):
    work = setup['root'] / 'work'
    assert _run(setup, work) == 0
    train = setup['root'] / 'train.txt'
    lines = train.read_text().splitlines()
    train.write_text('\n'.join(lines[:-3]) + '\n')  # one class fewer
    assert _run(setup, work) == 0
    with open(work / 'results.json') as file:
        assert json.load(file)['videos']['train'] == 9


def test_uniform_sample_and_module_prefixed_checkpoints(setup):
    """SSv2's pipelines sample with UniformSample; a checkpoint saved from a
    DataParallel model has 'module.' keys, which load_from strips."""
    config = setup['root'] / 'uniform.py'
    config.write_text(open(setup['config'](0)).read().replace(
        "dict(type='SampleFrames', clip_len='${clip_len}',\n"
        "         frame_interval='${frame_interval}', num_clips=1, "
        "test_mode=True)",
        "dict(type='UniformSample', clip_len='${clip_len}', num_clips=1, "
        "test_mode=True)"))
    assert 'UniformSample' in config.read_text()
    state = torch.load(setup['checkpoint'], weights_only=False)
    torch.save({f'module.{k}': v for k, v in state.items()},
               setup['checkpoint'])
    work = setup['root'] / 'work'
    assert _run(setup, work, '--train-clips', '2', config=str(config)) == 0
    with open(work / 'results.json') as file:
        assert json.load(file)['recipe']['train_views'] == 2


def test_no_flip_in_training_means_no_mirrored_views(setup):
    work = setup['root'] / 'work'
    assert _run(setup, work, '--train-clips', '3', flip=0) == 0
    with open(work / 'results.json') as file:
        assert json.load(file)['recipe']['train_views'] == 3


def test_unreadable_videos_are_left_out_and_listed(setup, capsys):
    (setup['root'] / 'videos' / 'train_1_2.mp4').write_bytes(b'not a video')
    work = setup['root'] / 'work'
    assert _run(setup, work) == 1
    with open(work / 'results.json') as file:
        results = json.load(file)
    assert results['videos']['train'] == 11
    failed = results['videos']['failed']['train']
    assert list(failed) == ['6'] and 'train_1_2.mp4' in failed['6']
    assert 'train_1_2.mp4' in capsys.readouterr().out
    features = np.load(work / 'features' / 'train' / 'features.npy')
    assert np.isnan(features[6]).all()
    assert not np.isnan(np.delete(features, 6, axis=0)).any()
    # the classifier learned from the readable videos only: finite weights
    state = torch.load(work / 'linear_probe.pth', weights_only=False)
    assert torch.isfinite(state['state_dict']['cls_head.fc_cls.weight']).all()


def _error(setup, capsys, *extra):
    """The tool's error line, before any feature is extracted."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        _run(setup, setup['root'] / 'work', *extra)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert 'Traceback' not in err
    assert not (setup['root'] / 'work' / 'features').exists()
    return err.strip().splitlines()[-1]


def test_a_label_beyond_the_class_count_names_the_list_line(setup, capsys):
    line = _error(setup, capsys, '--cfg-options', 'num_classes=2')
    train = setup['root'] / 'train.txt'
    assert line.endswith(f"{train}:9: a label is outside [0, 2) "
                         "(num_classes=2) in 'train_2_0.mp4 2'")


def test_a_checkpoint_without_the_encoder_is_refused(setup, capsys):
    torch.save({'state_dict': {'cls_head.fc_cls.weight': torch.zeros(3, 32)}},
               setup['checkpoint'])
    assert 'lacks' in _error(setup, capsys)


def test_class_names_come_from_a_label_map(setup, capsys):
    names = setup['root'] / 'label_map.txt'
    names.write_text('red\ngreen\n')
    line = _error(setup, capsys, '--label-map', str(names))
    assert line.endswith(f'label map {names} names 2 classes but the head '
                         'has 3: give one name per line, class 0 first')
    names.write_text('red\ngreen\nblue\n')
    work = setup['root'] / 'work'
    assert _run(setup, work, '--label-map', str(names)) == 0
    assert osp.isfile(work / 'confusion_linear.png')
