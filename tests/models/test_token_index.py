"""Tokens picked by index (no host sync) are the tokens boolean indexing
picks, in the same order; the tubelet embedding is patch_embed's Conv3d."""
import pytest
import torch

from smile_mm.models import MaskedVideoViT
from smile_mm.models.utils import mask_indices, take_tokens


def masks(batch, tokens, masked, seed):
    generator = torch.Generator().manual_seed(seed)
    rows = [torch.randperm(tokens, generator=generator)[:masked]
            for _ in range(batch)]
    mask = torch.zeros(batch, tokens, dtype=torch.bool)
    for row, index in enumerate(rows):
        mask[row, index] = True
    return mask


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_indices_pick_what_boolean_indexing_picks(seed):
    mask = masks(3, 50, 37, seed)
    tokens = torch.randn(3, 50, 8)
    shown, hidden = mask_indices(mask)
    assert shown.shape == (3, 13) and hidden.shape == (3, 37)
    assert torch.equal(take_tokens(tokens, shown),
                       tokens[~mask].reshape(3, 13, 8))
    assert torch.equal(take_tokens(tokens, hidden),
                       tokens[mask].reshape(3, 37, 8))


def test_unequal_counts_in_a_batch_are_an_error():
    mask = masks(2, 10, 4, 0)
    mask[1, mask[1].nonzero()[0]] = False  # 3 masked in the second clip
    with pytest.raises(ValueError, match=r'the same number of visible '
                       r'tokens, got \[6, 7\]; use TubeTrajectoryMask'):
        mask_indices(mask)
    grid = mask.reshape(2, 1, 2, 5)  # a mask on the token grid: the same
    assert [i.shape for i in mask_indices(grid[:1])] == [(1, 6), (1, 4)]


def test_tubelet_embedding_is_the_conv3d():
    torch.manual_seed(0)
    vit = MaskedVideoViT('small', img_size=64, num_frames=4, embed_dims=32,
                         depth=1, num_heads=2)
    vit.init_weights()
    with torch.no_grad():
        vit.patch_embed.projection.bias.normal_()
    # one frame and 5 pixels too many: the strided convolution drops them
    video = torch.randn(2, 3, 5, 69, 64)
    conv = torch.nn.functional.conv3d(
        video, vit.patch_embed.projection.weight,
        vit.patch_embed.projection.bias, stride=(2, 16, 16))
    expected = conv.flatten(2).transpose(1, 2)
    assert expected.shape == (2, 32, 32)
    torch.testing.assert_close(vit.embed(video), expected, atol=1e-5,
                               rtol=1e-5)
