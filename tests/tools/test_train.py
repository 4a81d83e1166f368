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
    assert 'distributed over 2 processes' in done.stdout
    log_file, = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(log_file) as file:
        assert 'Distributed training: True' in file.read()


def test_mmaction_train_script_runs_smile_configs(tmp_path):
    script = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                      'train.py')
    if not osp.isfile(script):
        pytest.skip('this mmaction2 install has no .mim/tools/train.py')
    work_dir = str(tmp_path / 'mmaction')
    train([script, write_tiny_config(tmp_path), '--work-dir', work_dir,
           '--cfg-options', 'train_cfg.max_epochs=1'])
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def final_weights(work_dir, epoch):
    import torch
    return torch.load(osp.join(work_dir, f'epoch_{epoch}.pth'),
                      weights_only=False)['state_dict']


FSDP = '''
runner_type = 'FlexibleRunner'
strategy = dict(type='FSDPStrategy', state_dict_cfg='full',
                model_wrapper=dict(
                    use_orig_params=True,
                    auto_wrap_policy=dict(type='transformer_block_wrap_policy')))
'''


@pytest.mark.parametrize('sharding', [
    'ddp',
    pytest.param('fsdp', marks=pytest.mark.skipif(
        __import__('torch').__version__ < '2.1',
        reason='FSDP on the CPU needs torch >= 2.1'))])
def test_two_ranks_end_with_the_weights_of_one_process(tmp_path, sharding):
    """The same total batch and seed: 2 gloo ranks x 2 clips and 1 process
    x 4 clips train the same model (SeededSampler makes the samples
    identical however they are sharded; DDP averages the gradients, FSDP
    shards one transformer block per unit and saves a full checkpoint)."""
    import torch
    config = write_tiny_config(tmp_path)
    single = str(tmp_path / 'single')
    train([TRAIN, config, '--work-dir', single, '--cfg-options',
           'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4'])
    distributed_config = config
    if sharding == 'fsdp':
        distributed_config = str(tmp_path / 'tiny_fsdp.py')
        with open(config) as source, open(distributed_config, 'w') as out:
            out.write(source.read() + FSDP)
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    ddp = str(tmp_path / sharding)
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT=str(port),
               PYTHON=sys.executable, PYTHONWARNINGS='ignore')
    done = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'),
         distributed_config, '2', '--work-dir', ddp, '--cfg-options',
         'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2'],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert sorted(logged(single)) == sorted(logged(ddp)) == [1, 2]
    one, two = final_weights(single, 1), final_weights(ddp, 1)
    assert one.keys() == two.keys()
    for key in one:
        torch.testing.assert_close(two[key], one[key], atol=2e-5, rtol=1e-4)
    # both record the encoder's token grid under the keys' own names
    assert two._metadata['backbone']['token_grid'] == \
        one._metadata['backbone']['token_grid'] == [2, 4, 4]
    if sharding == 'fsdp':
        return
    # the tolerance means something: another seed ends elsewhere
    other = str(tmp_path / 'other_seed')
    train([TRAIN, config, '--work-dir', other, '--cfg-options',
           'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4',
           'randomness.seed=1'])
    three = final_weights(other, 1)
    assert any(not torch.allclose(three[k], one[k], atol=2e-5, rtol=1e-4)
               for k in one if one[k].is_floating_point())


def test_amp_autocasts_in_bf16_where_the_gpu_has_it(tmp_path):
    import torch

    from tools.train import amp_precision, build_config, parse_args
    assert amp_precision(True) == dict(dtype='bfloat16',
                                       loss_scale=dict(enabled=False))
    assert amp_precision(False) == dict(dtype='float16', loss_scale='dynamic')
    config = write_tiny_config(tmp_path)
    cfg = build_config(parse_args([config, '--amp']))
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == ('bfloat16' if bf16 else 'float16')
    # a dtype the config (or --cfg-options) names stands
    cfg = build_config(parse_args([config, '--amp', '--cfg-options',
                                   'optim_wrapper.dtype=float16']))
    assert cfg.optim_wrapper.dtype == 'float16'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_amp_keeps_the_loss_scale_a_config_sets(tmp_path):
    from tools.train import build_config, parse_args
    config = write_tiny_config(tmp_path)
    cfg = build_config(parse_args([config, '--amp', '--cfg-options',
                                   'optim_wrapper.loss_scale=512.0']))
    assert cfg.optim_wrapper.loss_scale == 512.0
    cfg = build_config(parse_args([config, '--amp', '--cfg-options',
                                   'optim_wrapper.dtype=bfloat16']))
    assert cfg.optim_wrapper.loss_scale == dict(enabled=False)
