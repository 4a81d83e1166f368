"""What a user meets at the entry points: a setting that reaches nothing
stops every tool that takes a config, a label outside the class count stops
a run before its first step, a resume of another model and a missing
checkpoint say the fix in one line, and the console says one line per
thing worth knowing. Real configs, real tiny videos, console captured."""
import glob
import itertools
import os.path as osp
import subprocess
import sys

import mmaction
import pytest

from smile_mm.engine import resolve_references
from tools import probe_features, severe, test as test_tool, train
from tools import visualize_motion
from tools.extract_features import main as extract_main

from ..protocols.downstream_data import write_videos
from ..tiny_config import ROOT, write_tiny_config

CONFIGS = osp.join(ROOT, 'configs', 'smile')
FINETUNE = osp.join(CONFIGS, 'finetune', 'smile_vit-s_16x4x1_k400-ft.py')
LINEAR = osp.join(CONFIGS, 'linear_probe',
                  'smile_vit-s_16x4x1_k400-linear.py')
FX_S1 = osp.join(CONFIGS, 'severe', 'smile_vit-s_severe_fx-s1.py')
DEMO = osp.join(CONFIGS, 'pretrain', 'smile_vit-s_demo_cpu.py')
FEATURES = osp.join(CONFIGS, 'features', 'smile_vit_16x4x1_centre-clip.py')
#: a ViT of one 32-wide block on 4 frames of 32 px, no loader processes
SHRINK = ['model.backbone.embed_dims=32', 'model.backbone.depth=1',
          'model.backbone.num_heads=2', 'model.cls_head.in_channels=32',
          'size=32', 'clip_len=4', 'frame_interval=1',
          'train_cfg.max_epochs=1',
          *[f'{split}_dataloader.{key}'
            for split in ('train', 'val', 'test')
            for key in ('batch_size=2', 'num_workers=0',
                        'persistent_workers=False')]]


_RUNS = itertools.count()


def _train(argv):
    """tools/train.py's main with a name of its own for the run: mmengine
    hands a run the logger of an earlier one with the same config and
    second, whose console stream an earlier test's capture has closed."""
    name = f'experiment_name=run{next(_RUNS)}'
    if '--cfg-options' not in argv:  # the options come last
        argv = [*argv, '--cfg-options']
    return train.main([*argv, name])


def _lists(root, labels):
    """Videos and a list per split (``labels[split]``: one label a line),
    and the settings that point a config at them."""
    write_videos(str(root / 'videos'), 4)
    options = [f'data_root={root / "videos"}']
    if set(labels) != {'train'}:  # a downstream config: its own val folder
        options.append(f'data_root_val={root / "videos"}')
    for split, values in labels.items():
        path = root / f'{split}.txt'
        path.write_text(''.join(f'v{index}.mp4 {label}\n'
                                for index, label in enumerate(values)))
        options.append(f'ann_file_{split}={path}')
    return options


# a setting that reaches nothing ---------------------------------------------
def _says_typo(text):
    assert 'num_clases: no part of the config reads it' in text
    assert 'did you mean num_classes?' in text
    assert 'Traceback' not in text


def test_train_refuses_a_typo_before_anything_runs(tmp_path, capsys):
    work = tmp_path / 'work'
    assert _train([FINETUNE, '--work-dir', str(work), '--cfg-options',
                       'num_clases=2']) == 2
    _says_typo(capsys.readouterr().err)
    assert not glob.glob(str(work / '*' / '*.log'))  # no runner was built


def test_a_child_configs_typo_is_refused_too(tmp_path, capsys):
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{FINETUNE!r}]\nnum_clases = 2\n')
    assert _train([str(child), '--work-dir', str(tmp_path / 'w')]) == 2
    _says_typo(capsys.readouterr().err)


def test_test_probe_visualiser_severe_and_extraction_refuse_it(tmp_path,
                                                               capsys):
    checkpoint = tmp_path / 'any.pth'
    checkpoint.write_bytes(b'never read')
    typo = ['--cfg-options', 'num_clases=2']
    assert test_tool.main([FINETUNE, str(checkpoint), '--work-dir',
                           str(tmp_path / 't'), *typo]) == 2
    _says_typo(capsys.readouterr().err)
    for tool, argv in (
            (probe_features.main, [LINEAR, str(checkpoint), *typo]),
            (visualize_motion.main, [FINETUNE, *typo]),
            (severe.main, [str(checkpoint), '--tasks', 'fx-s1', '--arch',
                           'small', '--work-dir', str(tmp_path / 's'),
                           *typo])):
        with pytest.raises(SystemExit) as stop:
            tool(argv)
        assert stop.value.code == 2
        _says_typo(capsys.readouterr().err)
    # extract_features takes a config, not options: a child's typo
    child = tmp_path / 'features_child.py'
    child.write_text(f'_base_ = [{FEATURES!r}]\nnum_clases = 2\n')
    with pytest.raises(SystemExit):
        extract_main([str(checkpoint), str(tmp_path), str(tmp_path / 'o'),
                      '--config', str(child)])
    _says_typo(capsys.readouterr().err)


def test_severe_checks_every_tasks_settings_before_any_trains(tmp_path,
                                                             capsys):
    """frame_interval reaches Gym99's sampling but nothing of UCF-RC's
    (16 frames over the whole video): stopped before Gym99 trains."""
    checkpoint = tmp_path / 'any.pth'
    checkpoint.write_bytes(b'never read')
    with pytest.raises(SystemExit):
        severe.main([str(checkpoint), '--tasks', 'gym99', 'ucf-rc', '--arch',
                     'small', '--work-dir', str(tmp_path / 's'),
                     '--cfg-options', 'frame_interval=2'])
    err = capsys.readouterr().err
    assert 'error: ucf-rc: 1 top-level setting(s)' in err
    assert 'frame_interval: no part of the config reads it' in err
    assert not (tmp_path / 's').exists()


def test_mmaction2s_own_train_script_refuses_it(tmp_path):
    script = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                      'train.py')
    if not osp.isfile(script):
        pytest.skip('this mmaction2 install has no .mim/tools/train.py')
    done = subprocess.run(
        [sys.executable, script, write_tiny_config(tmp_path), '--work-dir',
         str(tmp_path / 'w'), '--cfg-options', 'train_cfg.max_epoch=1',
         'randomnes.seed=3'],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode != 0
    assert 'ConfigSettingError' in done.stderr
    assert 'randomnes: no part of the config reads it' in done.stderr
    assert 'did you mean randomness?' in done.stderr
    assert not glob.glob(str(tmp_path / 'w' / '*.pth'))


def test_a_setting_read_when_the_demo_is_parsed_now_reaches_the_run():
    cfg = resolve_references(train.build_config(train.parse_args(
        [DEMO, '--cfg-options', 'epochs=12'])))
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.param_scheduler[1]['T_max'] == cfg.param_scheduler[1][
        'end'] == 12
    assert cfg.default_hooks.checkpoint.interval == 12


def test_the_visualiser_reads_your_own_folder_through_the_settings(
        tmp_path, capsys):
    options = _lists(tmp_path, dict(train=[0, 0]))
    pretrain = osp.join(ROOT, 'configs', '_base_', 'datasets',
                        'pretrain_k400.py')
    out = tmp_path / 'vis'
    assert visualize_motion.main([
        pretrain, '--out-dir', str(out), '--num-clips', '2', '--cfg-options',
        *options, 'size=64', 'clip_len=4', 'motion.size_range=(8,24)',
        'train_dataloader.dataset.clips_per_video=1']) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        'clip_00000.gif', 'clip_00001.gif', 'grid.png']


# labels outside the class count ---------------------------------------------
@pytest.mark.parametrize('config, bad_split', [
    (FINETUNE, 'val'), (FINETUNE, 'train'), (LINEAR, 'val'), (FX_S1, 'val')],
    ids=['finetune-val', 'finetune-train', 'linear-val', 'severe-fx-s1-val'])
def test_a_label_outside_the_class_count_stops_the_run_first(
        config, bad_split, tmp_path, capsys):
    labels = dict(train=[0, 1, 0, 1], val=[0, 1, 0, 1])
    labels[bad_split] = [0, 1, 2, 1]  # line 3: label 2 of 2 classes
    work = tmp_path / 'work'
    assert _train([config, '--work-dir', str(work), '--cfg-options',
                       *SHRINK, 'num_classes=2',
                       *_lists(tmp_path, labels)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / (bad_split + '.txt')}:3: a label is outside " \
        "[0, 2) (num_classes=2) in 'v2.mp4 2'" in err
    assert 'Traceback' not in err
    log, = glob.glob(str(work / '*' / '*.log'))
    with open(log) as file:
        assert 'Epoch(train)' not in file.read()  # before the first step


def test_a_separate_test_list_is_checked_before_training(tmp_path, capsys):
    work = tmp_path / 'work'
    assert _train([FINETUNE, '--work-dir', str(work), '--cfg-options',
                       *SHRINK, 'num_classes=2', *_lists(tmp_path, dict(
                           train=[0, 1], val=[0, 1], test=[0, 1, 7]))]) == 2
    assert "test.txt:3: a label is outside [0, 2) (num_classes=2) in " \
        "'v2.mp4 7'" in capsys.readouterr().err
    log, = glob.glob(str(work / '*' / '*.log'))
    with open(log) as file:
        assert 'Epoch(train)' not in file.read()


def test_the_test_list_is_checked_by_the_test_tool(tmp_path, capsys):
    checkpoint = tmp_path / 'ft.pth'
    options = _lists(tmp_path, dict(train=[0, 1], val=[0, 1], test=[0, 5]))
    cfg = resolve_references(train.build_config(train.parse_args(
        [FINETUNE, '--cfg-options', *SHRINK, 'num_classes=2', *options])))
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint
    init_default_scope('mmaction')
    save_checkpoint(MODELS.build(cfg.model).state_dict(), str(checkpoint))
    assert test_tool.main([FINETUNE, str(checkpoint), '--work-dir',
                           str(tmp_path / 'w'), '--cfg-options', *SHRINK,
                           'num_classes=2', *options]) == 2
    assert "test.txt:2: a label is outside [0, 2)" in capsys.readouterr().err


# checkpoints: resume of another model, a missing file, one line per load ---
def test_resume_with_another_model_names_the_tensor_shapes_and_fix(
        tmp_path, capsys):
    config = write_tiny_config(tmp_path)
    work = str(tmp_path / 'work')
    assert _train([config, '--work-dir', work, '--cfg-options',
                       'train_cfg.max_epochs=1']) == 0
    capsys.readouterr()
    checkpoint = osp.join(work, 'epoch_1.pth')
    assert _train([config, '--work-dir', work, '--resume', checkpoint,
                       '--cfg-options', 'model.neck.embed_dims=64']) == 2
    message = capsys.readouterr().err
    assert 'Traceback' not in message
    assert message.startswith(f'train.py: error: --resume needs the model '
                              f'of the run that wrote {checkpoint}')
    assert 'neck.encoder_to_decoder.weight (32, 32) in the checkpoint, ' \
        '(64, 32) here' in message
    assert f'set load_from={checkpoint} without --resume' in message


def test_a_missing_checkpoint_is_one_line(tmp_path, capsys):
    config = write_tiny_config(tmp_path)
    missing = str(tmp_path / 'nope.pth')
    for option, how in ((['--resume', missing], '--resume'),
                        (['--cfg-options', f'load_from={missing}'],
                         'load_from')):
        assert _train([config, '--work-dir', str(tmp_path / 'w'),
                           *option]) == 2
        assert capsys.readouterr().err == (
            f'train.py: error: checkpoint {missing} ({how}) does not '
            'exist\n')


def test_a_pretraining_checkpoint_into_a_recognizer_is_one_line(
        tmp_path, capsys):
    """The decoder is left out and the head starts fresh, as expected: one
    line says so; the key lists stay in the log file."""
    config = write_tiny_config(tmp_path)
    pretrain = str(tmp_path / 'pretrain')
    assert _train([config, '--work-dir', pretrain, '--cfg-options',
                       'train_cfg.max_epochs=1']) == 0
    checkpoint = osp.join(pretrain, 'epoch_1.pth')
    capsys.readouterr()
    work = tmp_path / 'ft'
    options = _lists(tmp_path, dict(train=[0, 1, 0, 1], val=[0, 1]))
    assert _train([FINETUNE, '--work-dir', str(work), '--cfg-options',
                       *SHRINK, 'size=64', 'num_classes=2', *options,
                       f'load_from={checkpoint}']) == 0
    console = capsys.readouterr().out
    loaded = [line for line in console.splitlines() if 'Loaded ' in line]
    assert len(loaded) == 1
    import torch
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    decoder = sum(key.startswith('neck.') for key in state)
    encoder = sum(key.startswith('backbone.') for key in state)
    assert loaded[0].endswith(
        f'Loaded {checkpoint}: {encoder - 2} of the model\'s {encoder + 2} '
        'tensors; left out, parts this model does not have: backbone.norm '
        f'(2), neck ({decoder}); new, initialised here: backbone.fc_norm '
        '(2), cls_head (2); nothing else differs')
    assert 'unexpected key in source state_dict' not in console
    assert 'Loads checkpoint by' not in console
    log, = glob.glob(str(work / '*' / '*.log'))
    with open(log) as file:
        assert 'unexpected key in source state_dict: neck.' in file.read()
    # at another clip size the encoder resizes the position table: loaded
    assert _train([FINETUNE, '--work-dir', str(tmp_path / 'ft32'),
                       '--cfg-options', *SHRINK, 'num_classes=2', *options,
                       f'load_from={checkpoint}']) == 0
    line, = [line for line in capsys.readouterr().out.splitlines()
             if 'Loaded ' in line]
    assert f"{encoder - 2} of the model's {encoder + 2} tensors" in line
    assert ('adapted to this model as they load: backbone.pos_embed; '
            'nothing else differs') in line


def test_loaders_ask_for_no_more_workers_than_cores(tmp_path, capsys,
                                                    monkeypatch):
    from smile_mm.engine import loader_workers
    monkeypatch.setattr(loader_workers, 'available_cores', lambda: 1)
    monkeypatch.setattr(loader_workers, '_SAID', set())
    config = write_tiny_config(tmp_path, workers=3)
    assert _train([config, '--work-dir', str(tmp_path / 'w'),
                       '--cfg-options', 'train_cfg.max_epochs=1']) == 0
    said = [line for line in capsys.readouterr().out.splitlines()
            if 'worker processes' in line]
    assert len(said) == 1
    assert said[0].endswith('A data loader asks for 3 worker processes, but '
                            'this process has 1 cores: using 1.')
