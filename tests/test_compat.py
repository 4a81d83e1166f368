"""Each upstream fault of smile_mm.compat, shown fixed.

Every test exercises the behaviour that fails on the unpatched stack
(mmaction2 1.2.0, mmengine 0.10.7, torch >= 2.6, numpy 2).
"""
import os
import socket
import subprocess
import sys

import mmaction
import numpy as np
import pytest
import torch

from smile_mm import compat


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *flags, '-c', code],
                          capture_output=True, text=True, timeout=300)


def test_the_fixes_this_stack_needs_and_no_other_apply_once():
    """Which faults this stack has, decided here from the stack itself, are
    exactly the fixes that changed something; applying again changes
    nothing."""
    import importlib.metadata
    import inspect

    from mmaction.datasets.transforms.formatting import PackActionInputs
    drn = os.path.join(os.path.dirname(mmaction.__file__), 'models',
                       'localizers', 'drn')
    try:
        transformers = int(importlib.metadata.version('transformers')
                           .split('.')[0])
    except importlib.metadata.PackageNotFoundError:
        transformers = 0
    faults = {
        'import_warnings': True,  # setuptools' pkg_resources warning
        'multimodal_transformers5': transformers >= 5,
        'missing_drn': not os.path.isdir(drn),
        'local_checkpoints': True,  # safe loading, on every torch
        'numpy2_aliases': not hasattr(np, 'in1d'),
        'color_jitter_hue': int(np.__version__.split('.')[0]) >= 2,
        'cpu_distributed': not torch.cuda.is_available(),
        'pack_algorithm_keys': 'algorithm_keys' not in inspect.signature(
            PackActionInputs.__init__).parameters,
    }
    done = run_python('import smile_mm\nprint(smile_mm.compat.applied())')
    assert done.returncode == 0, done.stderr
    assert eval(done.stdout.strip().splitlines()[-1]) == [
        name for name in compat.FIXES if faults[name]]
    assert not any(fix() for fix in compat.FIXES.values())


@pytest.mark.skipif(not mmaction.__version__.startswith('1.2'),
                    reason="a fault of mmaction2 1.2.0's wheel")
def test_mmaction_models_import_after_smile_mm():
    """mmaction2 1.2.0's wheel lacks localizers/drn (upstream #2714)."""
    done = run_python('import smile_mm, mmaction.models\n'
                      'from mmaction.registry import MODELS\n'
                      'from mmengine.registry import init_default_scope\n'
                      'init_default_scope("mmaction")\n'
                      'MODELS.build(dict(type="Recognizer3D", '
                      'backbone=dict(type="X3D", gamma_d=1, '
                      'gamma_w=1, gamma_b=1)))\n'
                      'from mmaction.models.localizers import DRN\n'
                      'try:\n    DRN()\nexcept ImportError as e:\n'
                      '    print("DRN:", e)\n')
    assert done.returncode == 0, done.stderr
    assert '#2714' in done.stdout


@pytest.mark.skipif(not mmaction.__version__.startswith('1.2'),
                    reason="a fault of mmaction2 1.2.0's wheel")
def test_mmaction_models_import_beside_transformers5():
    """mmpretrain 1.2.0 and mmaction2 1.2.0 turn on BLIP / VindLU for any
    transformers >= 4.28; that code imports helpers transformers 5 removed,
    so ``import mmaction.models`` fails wherever transformers 5 is
    installed (the test extras install it). mmpretrain is not a dependency
    of smile_mm: where it is installed, mmaction's backbones import it
    first (MobileOneTSM) and its fault shows first."""
    import importlib.util

    import transformers  # noqa: F401  (a test dependency)
    from transformers import modeling_utils
    lacking = not hasattr(modeling_utils, 'find_pruneable_heads_and_indices')
    assert compat.transformers_without_blip_helpers() == lacking
    pretrain = importlib.util.find_spec('mmpretrain') is not None
    if lacking:  # the fault, without smile_mm (fix 1's stub package)
        bare = run_python(
            'import mmaction, sys\n'
            'drn = type(sys)("mmaction.models.localizers.drn")\n'
            'drn.__path__ = []\nsys.modules[drn.__name__] = drn\n'
            'sys.modules[drn.__name__ + ".drn"] = type(sys)("drn.drn")\n'
            'sys.modules[drn.__name__ + ".drn"].DRN = None\n'
            'import mmaction.models')
        assert bare.returncode != 0
        assert ('NoneType takes no arguments' if pretrain else
                'apply_chunking_to_forward') in bare.stderr
    flags = ('from mmaction.utils import dependency as act\n'
             'print(act.WITH_MULTIMODAL)\n')
    if pretrain:
        flags += ('from mmpretrain.utils import dependency as pre\n'
                  'print(pre.WITH_MULTIMODAL)\n'
                  'from mmpretrain.registry import MODELS\n'
                  'try:\n    MODELS.get("BlipCaption")()\n'
                  'except ImportError as error:\n    print(error)\n')
    done = run_python('import smile_mm, mmaction.models, transformers\n'
                      'from transformers import CLIPVisionModel\n' + flags)
    assert done.returncode == 0, done.stderr
    if lacking:
        assert done.stdout.startswith('False\nFalse' if pretrain else
                                      'False')
        if pretrain:
            assert 'requires extra multi-modal dependencies' in done.stdout


def test_pack_action_inputs_takes_algorithm_keys(monkeypatch):
    """mmaction2 1.1.0's PackActionInputs has no algorithm_keys, which hand
    SMILE's token mask to the model; under 1.1.0 the fix adds them (here a
    subclass with 1.1.0's signature stands in for it under 1.2.0)."""
    from mmaction.datasets.transforms import formatting
    mask = np.zeros((2, 3, 3), bool)
    mask[0, 1, 2] = True
    results = dict(imgs=np.zeros((1, 3, 4, 8, 8), np.float32), mask=mask,
                   label=0)
    packed = formatting.PackActionInputs(algorithm_keys=('mask', ))(results)
    assert np.array_equal(np.asarray(packed['data_samples'].mask), mask)

    class Version110(formatting.PackActionInputs):
        def __init__(self, collect_keys=None, meta_keys=('img_shape', )):
            super().__init__(collect_keys, meta_keys)

    from mmaction.registry import TRANSFORMS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    monkeypatch.setattr(formatting, 'PackActionInputs', Version110)
    monkeypatch.setitem(TRANSFORMS._module_dict, 'PackActionInputs',
                        Version110)  # restored after the test
    with pytest.raises(TypeError, match='algorithm_keys'):
        TRANSFORMS.build(dict(type='PackActionInputs',
                              algorithm_keys=('mask', )))
    assert compat.fix_pack_algorithm_keys()
    packed = TRANSFORMS.build(dict(type='PackActionInputs',
                                   algorithm_keys=('mask', )))(dict(results))
    assert np.array_equal(np.asarray(packed['data_samples'].mask), mask)
    assert formatting.PackActionInputs is Version110  # left as it is
    assert not compat.fix_pack_algorithm_keys()  # once


def test_mmengine_checkpoint_with_history_buffer_loads(tmp_path):
    """mmengine 0.10.7 + torch >= 2.6: weights_only=True rejects its own
    message hub state (HistoryBuffer) on resume."""
    import pickle

    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'epoch_1.pth')
    buffer = HistoryBuffer()
    buffer.update(0.5)
    torch.save({'state_dict': {'w': torch.ones(2)},
                'message_hub': {'log_scalars': {'loss': buffer}}}, path)
    major, minor = (int(v) for v in torch.__version__.split('.')[:2])
    if (major, minor) >= (2, 6):  # the fault: torch.load as mmengine calls it
        with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
            torch.load(path)
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['message_hub']['log_scalars']['loss'].current() == 0.5
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        _load_checkpoint(str(tmp_path / 'missing.pth'))


@pytest.mark.skipif(hasattr(np, 'in1d'), reason='a fault of numpy 2')
def test_numpy2_aliases_match_numpy1_semantics():
    # the fault: numpy 2 removed what mmaction's modules call
    assert not any(hasattr(np, name) for name in ('Inf', 'trapz', 'in1d'))
    from mmaction.evaluation.functional import accuracy
    from mmaction.utils import misc
    numpy1 = accuracy.np  # what mmaction's modules see
    assert misc.np is numpy1
    assert numpy1.Inf == np.inf
    assert numpy1.trapz([1.0, 2.0, 3.0]) == pytest.approx(4.0)
    result = numpy1.in1d(np.array([[1, 2], [3, 4]]), [2, 3])
    assert result.shape == (4, )
    assert result.tolist() == [False, True, True, False]
    assert numpy1.in1d([1, 5], [5], invert=True).tolist() == [True, False]
    assert numpy1.zeros is np.zeros  # everything else is numpy's
    # numpy itself is untouched
    assert not any(hasattr(np, name) for name in ('Inf', 'trapz', 'in1d'))
    # the mmaction metric that calls np.trapz
    from mmaction.evaluation.functional.accuracy import \
        average_recall_at_avg_proposals
    proposals = {'v': np.array([[0.0, 1.0, 0.9], [2.0, 3.0, 0.8]])}
    ground_truth = {'v': np.array([[0.0, 1.0]])}
    recall, _, _, auc = average_recall_at_avg_proposals(
        ground_truth, proposals, 2, max_avg_proposals=2,
        temporal_iou_thresholds=np.array([0.5]))
    assert np.isfinite(auc)


@pytest.mark.skipif(not compat._uint8_plus_negative_int_fails(),
                    reason='a fault of numpy 2 (NEP 50)')
def test_color_jitter_negative_hue_shift():
    """numpy 2: uint8 + negative int overflowed in ColorJitter.adjust_hue."""
    import cv2
    from mmaction.datasets.transforms import ColorJitter
    with pytest.raises(OverflowError):  # the fault, in numpy itself
        np.zeros(1, np.uint8) + int(-25)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = ColorJitter.adjust_hue(img.astype(np.float32), -0.1)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.int64)
    hsv[..., 0] = (hsv[..., 0] + int(-0.1 * 255)) % 180
    expected = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    np.testing.assert_array_equal(out, expected.astype(np.float32))
    jitter = ColorJitter(brightness=0, contrast=0, saturation=0,
                         hue=(-0.2, -0.1))
    result = jitter(dict(imgs=[img, img]))
    assert len(result['imgs']) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


_DIST_WORKER = r'''
import os, sys, torch
import smile_mm
from mmengine.dist import init_dist, all_reduce, get_world_size
from mmengine.model import MMDistributedDataParallel
init_dist('pytorch', backend='nccl')  # no CUDA here: must fall back to gloo
assert torch.distributed.get_backend() == 'gloo'
model = torch.nn.Linear(3, 1)
ddp = MMDistributedDataParallel(module=model,
                                device_ids=[int(os.environ['LOCAL_RANK'])])
loss = ddp(torch.full((2, 3), float(os.environ['RANK']) + 1)).sum()
loss.backward()
value = torch.tensor([float(os.environ['RANK']) + 1])
all_reduce(value)
print('world', get_world_size(), 'sum', value.item(),
      'grad', ddp.module.weight.grad.tolist(), flush=True)
# release DDP's hold on the process group before destroying it: a gloo group
# alive at interpreter exit aborts now and then (torch 2.14.1)
del ddp, model
import gc
gc.collect()
torch.distributed.barrier()
torch.distributed.destroy_process_group()
'''


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU path')
def test_torchrun_on_cpu_uses_gloo_and_ddp_without_device_ids(tmp_path):
    script = tmp_path / 'worker.py'
    script.write_text(_DIST_WORKER)
    port = _free_port()
    procs = []
    for rank in range(2):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
                   MASTER_PORT=str(port), OMP_NUM_THREADS='1')
        procs.append(subprocess.Popen([sys.executable, str(script)], env=env,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert 'world 2 sum 3.0' in out
    # DDP averaged the gradients of both ranks: mean of 2*1 and 2*2 per weight
    assert 'grad [[3.0, 3.0, 3.0]]' in outputs[0][0]


def test_import_warnings_nobody_can_act_on_are_silenced():
    """mmcv-lite warns at import that MultiScaleDeformableAttention is
    missing; setuptools that pkg_resources is deprecated."""
    from smile_mm.compat import _has_mmcv_ops
    imports = ('import mmcv.cnn.bricks.transformer\n'
               'import pkg_resources\n')
    upstream = run_python(imports, '-W', 'default')
    assert upstream.returncode == 0, upstream.stderr
    assert 'pkg_resources is deprecated' in upstream.stderr
    if not _has_mmcv_ops():
        assert 'MultiScaleDeformableAttention' in upstream.stderr
    fixed = run_python('import smile_mm\n' + imports, '-W', 'default')
    assert fixed.returncode == 0, fixed.stderr
    assert 'pkg_resources is deprecated' not in fixed.stderr
    assert 'MultiScaleDeformableAttention' not in fixed.stderr


def test_transformers_5_prereleases_count_as_5(monkeypatch):
    import importlib.metadata

    from smile_mm import compat
    for text, five in (('5.0.0rc1', True), ('5.0.0.dev0', True),
                       ('5.1.2', True), ('4.57.1', False)):
        monkeypatch.setattr(importlib.metadata, 'version', lambda _: text)
        assert compat.transformers_without_blip_helpers() is five, text
