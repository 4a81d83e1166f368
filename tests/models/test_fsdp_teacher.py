"""The frozen CLIP teacher under FSDP, as the ViT-L recipe wraps the model:
PyTorch's own FullyShardedDataParallel on one gloo rank, full state dict."""
import os.path as osp
import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from smile_mm.engine import transformer_block_wrap_policy

from .test_smile_recognizer import batch, build

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPE = osp.join(ROOT, 'configs', 'smile', 'pretrain',
                  'smile_vit-l_16x4x1_300+300e_k400_clip_fsdp.py')


@pytest.fixture
def one_rank():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def build_with_teacher(tiny_clip_name):
    return build(dict(type='CLIPTeacher', model_name=tiny_clip_name,
                      pretrained=None, on_missing_weights='random',
                      dtype='fp32'))


def full_state_dict(wrapped):
    from torch.distributed.fsdp import FullStateDictConfig
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    from torch.distributed.fsdp import StateDictType
    with FSDP.state_dict_type(wrapped, StateDictType.FULL_STATE_DICT,
                              FullStateDictConfig(rank0_only=False)):
        return wrapped.state_dict()


@pytest.mark.skipif(torch.__version__ < '2.1', reason='FSDP on the CPU '
                    'needs torch >= 2.1')
@pytest.mark.parametrize('ignored', [True, False])
def test_full_checkpoint_leaves_the_teacher_out(tiny_clip_name, one_rank,
                                                ignored):
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    wrapper = Config.fromfile(RECIPE).strategy.model_wrapper
    # the recipe keeps the teacher out of FSDP; FSDP itself then checks
    # nothing of it when the recognizer drops it from the state dict
    assert wrapper.ignored_modules == ['target_generator']
    torch.manual_seed(0)
    model = build_with_teacher(tiny_clip_name)
    expected = model.state_dict()
    wrapped = FSDP(model, device_id=torch.device('cpu'),
                   use_orig_params=True,
                   auto_wrap_policy=transformer_block_wrap_policy,
                   ignored_modules=([model.target_generator] if ignored
                                    else None))
    data = model.data_preprocessor(batch(), True)
    loss = wrapped(**data, mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss)
    if not ignored:  # what the recipe ran into before
        with pytest.raises(AssertionError, match='target_generator'):
            full_state_dict(wrapped)
        return
    state = full_state_dict(wrapped)
    assert state.keys() == expected.keys()
    assert not any(k.startswith('target_generator.') for k in state)
    for key, value in expected.items():
        torch.testing.assert_close(state[key], value)
