"""smile_mm's modules register their state-dict hooks on torch before 2.5
too, where the public names do not exist (taken away here to stand in for
torch 2.0-2.4), without adding anything to torch.nn.Module."""
import torch
from torch import nn

from smile_mm.models import MaskedVideoViT
from smile_mm.models.utils import GRID_KEY


def test_an_encoder_records_and_reads_its_grid_without_the_public_hooks(
        monkeypatch):
    for name in ('register_state_dict_post_hook',
                 'register_load_state_dict_pre_hook'):
        monkeypatch.delattr(nn.Module, name, raising=False)
    # torch marks a hook function once the public name registered it (in
    # this process, an earlier test); torch < 2.5 never does
    for hook in (MaskedVideoViT._record_grid,):
        monkeypatch.delattr(hook, '_from_public_api', raising=False)
    torch.manual_seed(0)
    small = dict(embed_dims=32, depth=1, num_heads=2)
    source = MaskedVideoViT('small', img_size=32, num_frames=4, **small)
    state = source.state_dict()
    assert state._metadata[''][GRID_KEY] == [2, 2, 2]  # the post-hook ran
    target = MaskedVideoViT('small', img_size=64, num_frames=4, **small)
    target.load_state_dict(state)  # the pre-hook resized the table
    assert target.pos_embed.shape == (1, 32, 32)
    assert not hasattr(nn.Module, 'register_state_dict_post_hook')
