"""Every fine-tuning, linear-probing and SEVERE config: each setting (class
count, input size, clip length, frame interval, lists and folders) is set in
one place and reaches every part that uses it, once through --cfg-options
(parsed by tools/train.py) and once through a child config; then the config
trains, validates and tests on data the test makes and reports its metric."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from smile_mm.engine import build_runner, resolve_references
from tools.train import build_config, parse_args

from .downstream_data import write_list, write_videos

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'finetune', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'linear_probe', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'smile', 'severe', '*.py')))
IDS = [osp.basename(p) for p in CONFIGS]
METRICS = {
    'severe_ucf-rc.py': ('count/mean_error', 'count/obo_accuracy'),
    'severe_charades.py': ('acc/mean_average_precision', ),
}
#: a ViT of one 32-wide block, one short epoch, no loader processes
SHRINK = {
    'model.backbone.embed_dims': 32, 'model.backbone.depth': 1,
    'model.backbone.num_heads': 2, 'model.cls_head.in_channels': 32,
    'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1, 'load_from': None,
    **{f'{split}.{key}': value
       for split in ('train_dataloader', 'val_dataloader', 'test_dataloader')
       for key, value in (('batch_size', 2), ('num_workers', 0),
                          ('persistent_workers', False))},
}
NUM_VIDEOS = dict(train=4, val=2, test=3)


def knobs_of(path, root):
    """The settings this config has, with values unlike any default."""
    cfg = Config.fromfile(path)
    knobs = dict(size=32, clip_len=4,
                 data_root=osp.join(root, 'train_videos'),
                 data_root_val=osp.join(root, 'val_videos'),
                 ann_file_train=osp.join(root, 'train.txt'),
                 ann_file_val=osp.join(root, 'val.txt'),
                 ann_file_test=osp.join(root, 'test.txt'))
    if cfg.get('frame_interval') is not None:
        knobs['frame_interval'] = 2
    if 'num_classes' in cfg:
        knobs['num_classes'] = 3
    return knobs


def write_data(path, root, knobs):
    cfg = resolve_references(Config.fromfile(path))
    write_videos(knobs['data_root'], NUM_VIDEOS['train'])
    write_videos(knobs['data_root_val'], NUM_VIDEOS['test'], seed=1)
    for split in ('train', 'val', 'test'):
        write_list(knobs[f'ann_file_{split}'],
                   cfg[f'{split}_dataloader'].dataset, NUM_VIDEOS[split],
                   knobs.get('num_classes', 2))


def check_run(runner, knobs, metrics, path):
    """Each knob reached every part that uses it, and the metrics exist."""
    clip_len, size = knobs['clip_len'], knobs['size']
    model = runner.model
    assert model.backbone.grid == (clip_len // 2, size // 16, size // 16)
    if 'num_classes' in knobs:
        assert model.cls_head.fc_cls.out_features == knobs['num_classes']
        blending = model.data_preprocessor.blending
        if blending is not None:  # mixup and cutmix of the fine-tuning
            assert [a.num_classes for a in blending.augments] == [
                knobs['num_classes']] * 2
    loaders = dict(train=runner.train_loop.dataloader,
                   val=runner.val_loop.dataloader,
                   test=runner.test_loop.dataloader)
    for split, loader in loaders.items():
        dataset = loader.dataset
        assert dataset.ann_file == knobs[f'ann_file_{split}']
        folder = knobs['data_root' if split == 'train' else 'data_root_val']
        assert dataset.data_prefix['video'] == folder
        samplers = [t for t in dataset.pipeline.transforms
                    if type(t).__name__ in ('SampleFrames', 'UniformSample')]
        assert len(samplers) == 1 and samplers[0].clip_len == clip_len
        if 'frame_interval' in knobs:
            assert samplers[0].frame_interval == knobs['frame_interval']
        if type(dataset).__name__ != 'RepetitionCountDataset':
            assert len(dataset) == NUM_VIDEOS[split]
        inputs = next(iter(loader))['inputs'][0]
        assert tuple(inputs.shape[-4:]) == (3, clip_len, size, size)
    expected = METRICS.get(osp.basename(path).split('_', 2)[-1],
                           ('acc/top1', 'acc/top5', 'acc/mean1'))
    for key in expected:
        assert key in metrics and 0 <= metrics[key] <= 100
    if 'linear' in path:  # nothing of the frozen encoder learned
        assert not model.backbone.training
        assert all(p.grad is None for p in model.backbone.parameters())


def run(cfg):
    runner = build_runner(cfg)
    runner.train()
    return runner, runner.test()


def test_every_protocol_has_configs():
    for arch in ('vit-b', 'vit-s'):
        names = [n for n in IDS if n.startswith(f'smile_{arch}_')]
        for dataset in ('k400', 'ssv2', 'ucf101', 'hmdb51', 'gym99',
                        'epic_verbs'):
            assert any(n.endswith(f'{dataset}-ft.py') for n in names)
            assert any(n.endswith(f'{dataset}-linear.py') for n in names)
        assert len([n for n in names if '_severe_' in n]) == 8


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_settings_through_cfg_options(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    knobs = knobs_of(path, str(tmp_path))
    write_data(path, str(tmp_path), knobs)
    options = dict(SHRINK, **knobs)
    argv = [path, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            *[f'{key}={value}' for key, value in options.items()]]
    runner, metrics = run(build_config(parse_args(argv)))
    check_run(runner, knobs, metrics, path)


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_settings_through_a_child_config(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    knobs = knobs_of(path, str(tmp_path))
    write_data(path, str(tmp_path), knobs)
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{path!r}]\n' + ''.join(
        f'{key} = {value!r}\n' for key, value in knobs.items()))
    cfg = Config.fromfile(str(child))
    cfg.merge_from_dict(SHRINK)
    cfg.work_dir = str(tmp_path / 'work')
    runner, metrics = run(cfg)
    check_run(runner, knobs, metrics, path)
    # the copy in the work dir keeps the references: an override on it
    # reaches every part as on the original
    saved = Config.fromfile(str(tmp_path / 'work' / 'child.py'))
    saved.merge_from_dict({'size': 48})
    resolved = resolve_references(saved)
    assert resolved.model.backbone.img_size == 48
    assert all(48 in (step.get('crop_size'), *(step.get('scale') or ()))
               for step in resolved.test_dataloader.dataset.pipeline
               if step['type'] in ('ThreeCrop', 'Resize'))


@pytest.mark.parametrize('path', [p for p in CONFIGS if 'severe_ucf-rc'
                                  not in p], ids=lambda p: osp.basename(p))
def test_the_top_level_class_count_reaches_head_blending_and_data(path):
    cfg = Config.fromfile(path)
    cfg.merge_from_dict({'num_classes': 7})
    resolved = resolve_references(cfg)
    assert resolved.model.cls_head.num_classes == 7
    blending = resolved.model.data_preprocessor.get('blending')
    if blending is not None:
        assert [a['num_classes'] for a in blending['augments']] == [7, 7]
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = resolved[split].dataset
        if 'num_classes' in dataset:  # multi-label lists
            assert dataset.num_classes == 7


VIT_S = [p for p in CONFIGS if 'smile_vit-s' in p]


@pytest.mark.parametrize('path', VIT_S, ids=lambda p: osp.basename(p))
def test_vit_s_configs_are_their_vit_b_twin_with_the_small_encoder(path):
    cfg = resolve_references(Config.fromfile(path)).to_dict()
    twin = path.replace('smile_vit-s', 'smile_vit-b')
    assert osp.isfile(twin), 'a ViT-S config mirrors a ViT-B one'
    base = resolve_references(Config.fromfile(twin)).to_dict()
    assert cfg['model']['backbone'].pop('arch') == 'small'
    assert cfg['model']['cls_head'].pop('in_channels') == 384
    assert base['model']['backbone'].pop('arch') == 'base'
    assert base['model']['cls_head'].pop('in_channels') == 768
    assert cfg == base  # the same data, recipe and everything else


def test_every_vit_b_config_has_a_vit_s_twin():
    twins = [p.replace('smile_vit-b', 'smile_vit-s') for p in CONFIGS
             if 'smile_vit-b' in p]
    assert twins and all(osp.isfile(t) for t in twins)


def test_a_pipeline_step_is_edited_through_its_loader_as_in_mmaction2():
    path = osp.join(ROOT, 'configs', 'smile', 'finetune',
                    'smile_vit-b_16x4x1_k400-ft.py')
    cfg = build_config(parse_args([
        path, '--cfg-options',
        'train_dataloader.dataset.pipeline.5.area_range=(0.5,1.0)',
        'size=96']))
    step = resolve_references(cfg).train_dataloader.dataset.pipeline[5]
    assert step['type'] == 'RandomResizedCrop'
    assert tuple(step['area_range']) == (0.5, 1.0)
    final = resolve_references(cfg).train_dataloader.dataset.pipeline[6]
    assert final['scale'] == (96, 96)
