import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from smile_mm.models import SMILEVisionTransformer

from tools.severe import checkpoint_arch, main, table, task_config

from ..protocols.downstream_data import make_data


def test_table_reproduces_the_papers_mean():
    # SMILE's row of Table 6
    results = {'ssv2': 72.1, 'gym99': 90.8, 'ucf101-1000': 86.4,
               'gym99-1000': 35.1, 'fx-s1': 55.1, 'ub-s1': 88.3,
               'ucf-rc': 0.170, 'charades': 32.5}
    lines = table(results).splitlines()
    assert lines[0].startswith('| SSv2 | Gym99 |')
    assert lines[2].endswith('| 0.170 | 32.5 | 67.9 |')


def test_runs_tasks_and_writes_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    tasks = ['fx-s1', 'ucf-rc']
    for task in tasks:
        make_data(Config.fromfile(task_config(task, 'small')), str(tmp_path))
    checkpoint = tmp_path / 'smile.pth'
    torch.save({'state_dict': {}}, checkpoint)
    options = ['model.backbone.embed_dims=32', 'model.backbone.depth=1',
               'model.backbone.num_heads=2', 'model.cls_head.in_channels=32',
               'optim_wrapper.paramwise_cfg.num_layers=1',
               'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
               'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False',
               'val_dataloader.num_workers=0',
               'val_dataloader.persistent_workers=False',
               'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False']
    assert main([str(checkpoint), '--tasks', *tasks, '--arch', 'small',
                 '--work-dir', str(tmp_path / 'severe'), '--cfg-options',
                 *options]) == 0
    saved = glob.glob(str(tmp_path / 'severe' / 'fx-s1' / '*.py'))
    assert [osp.basename(p) for p in saved] == [
        'smile_vit-s_severe_fx-s1.py']
    report = (tmp_path / 'severe' / 'severe.md').read_text()
    assert report.splitlines()[0] == '| FX-S1 | UCF-RC (err) | Mean |'
    assert report in capsys.readouterr().out + '\n'
    with pytest.raises(SystemExit):
        main([str(tmp_path / 'none.pth')])


@pytest.mark.parametrize('arch', ['small', 'base'])
def test_the_encoder_size_is_read_from_the_checkpoint(arch, tmp_path):
    encoder = SMILEVisionTransformer(arch, img_size=32, num_frames=4)
    checkpoint = tmp_path / 'smile.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()}}, checkpoint)
    assert checkpoint_arch(str(checkpoint)) == arch
    assert osp.basename(task_config('ssv2', arch)) == (
        f'smile_vit-{arch[0]}_severe_ssv2.py')


def test_an_encoder_without_a_severe_config_is_an_error(tmp_path):
    encoder = SMILEVisionTransformer('small', img_size=32, num_frames=4,
                                     embed_dims=32, depth=1, num_heads=2)
    checkpoint = tmp_path / 'smile.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()}}, checkpoint)
    with pytest.raises(ValueError, match='pass --arch'):
        checkpoint_arch(str(checkpoint))
