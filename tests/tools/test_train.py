"""tools/train.py end to end: resume, two gloo processes, mmaction's own
train.py."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import mmaction
import pytest

from ..tiny_config import ROOT, write_tiny_config

TRAIN = osp.join(ROOT, 'tools', 'train.py')


def train(args, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    done = subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def logged(work_dir):
    """(iteration, loss, lr) of every iteration logged under work_dir."""
    rows = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as file:
            for line in file:
                entry = json.loads(line)
                if 'loss' in entry:
                    rows[entry['iter']] = (entry['loss'], entry['lr'])
    return rows


def test_resumed_run_repeats_the_uninterrupted_run(tmp_path):
    whole = str(tmp_path / 'whole')
    train([TRAIN, write_tiny_config(tmp_path, workers=0), '--work-dir',
           whole])
    parts = str(tmp_path / 'parts')
    config = write_tiny_config(tmp_path, workers=2)  # workers change nothing
    train([TRAIN, config, '--work-dir', parts, '--cfg-options',
           'train_cfg.max_epochs=2'])
    assert not osp.exists(osp.join(parts, 'epoch_3.pth'))
    train([TRAIN, config, '--work-dir', parts, '--resume'])
    expected, resumed = logged(whole), logged(parts)
    assert sorted(expected) == list(range(1, 17))
    assert sorted(resumed) == list(range(1, 17))
    assert resumed == expected  # losses and learning rates, exactly


def test_two_gloo_processes_through_dist_train(tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    work_dir = str(tmp_path / 'ddp')
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT=str(port),
               PYTHON=sys.executable, PYTHONWARNINGS='ignore')
    done = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'),
         write_tiny_config(tmp_path), '2', '--work-dir', work_dir,
         '--cfg-options', 'train_cfg.max_epochs=1'],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # 8 samples over 2 ranks with 2 clips each: 2 iterations per epoch
    assert sorted(logged(work_dir)) == [1, 2]
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert 'Distributed training: True' in done.stdout + done.stderr


def test_mmaction_train_script_runs_smile_configs(tmp_path):
    script = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                      'train.py')
    if not osp.isfile(script):
        pytest.skip('this mmaction2 install has no .mim/tools/train.py')
    work_dir = str(tmp_path / 'mmaction')
    train([script, write_tiny_config(tmp_path), '--work-dir', work_dir,
           '--cfg-options', 'train_cfg.max_epochs=1'])
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
