import pytest
import torch

from smile_mm.models import MaskedVideoViT
from smile_mm.models.utils import mask_indices


def small(**kwargs):
    kwargs.setdefault('depth', 2)
    return MaskedVideoViT('small', img_size=64, num_frames=4, **kwargs)


def test_shapes_with_and_without_mask():
    vit = small()
    video = torch.randn(2, 3, 4, 64, 64)
    assert vit.grid == (2, 4, 4) and vit.num_tokens == 32
    assert vit(video).shape == (2, 384, 2, 4, 4)
    mask = torch.zeros(2, 2, 4, 4, dtype=torch.bool)
    mask[:, :, :3] = True  # 24 masked, 8 visible
    assert vit(video, mask_indices(mask)[0]).shape == (2, 8, 384)


def test_visible_tokens_are_those_of_the_full_forward_without_attention():
    """With zero blocks, encoding visible tokens equals picking them from the
    full encoding: the mask selects in raster order."""
    vit = small(depth=0)
    video = torch.randn(1, 3, 4, 64, 64)
    mask = torch.rand(1, 2, 4, 4) < 0.5
    mask[0, 0, 0, 0], mask[0, 0, 0, 1] = True, False
    full = vit(video).flatten(2).transpose(1, 2)
    torch.testing.assert_close(vit(video, mask_indices(mask)[0]),
                               full[~mask.flatten(1)][None])


@pytest.mark.parametrize('arch, width, depth', [
    ('small', 384, 12), ('base', 768, 12), ('large', 1024, 24)])
def test_archs(arch, width, depth):
    with torch.device('meta'):
        vit = MaskedVideoViT(arch)
    assert vit.embed_dims == width and vit.depth == depth
    # per block: qkv 3C^2, q/v biases 2C, proj C^2 + C, two norms 4C,
    # MLP 8C^2 + 5C; tubelet embedding (3 * 2 * 16 * 16 + 1) C; final norm 2C
    expected = depth * (12 * width**2 + 12 * width) + 1539 * width
    assert sum(p.numel() for p in vit.parameters()) == expected


def test_wrong_sizes_are_errors():
    vit = small()
    with pytest.raises(ValueError, match='built for \\(2, 4, 4\\)'):
        vit(torch.randn(1, 3, 8, 64, 64))
    with pytest.raises(ValueError, match='shape \\(3, 4, 64, 64\\) .*built'):
        vit(torch.randn(3, 4, 64, 64))  # a clip without its batch axis
    with pytest.raises(ValueError, match='arch'):
        MaskedVideoViT('huge')
    with pytest.raises(ValueError, match='multiple of patch_size'):
        MaskedVideoViT('small', img_size=100)


def test_gradient_checkpointing_changes_nothing():
    torch.manual_seed(0)
    plain = small()
    checkpointed = small(with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    video = torch.randn(2, 3, 4, 64, 64)
    mask = torch.zeros(2, 32, dtype=torch.bool)
    mask[:, ::2] = True
    visible, _ = mask_indices(mask)
    for model in (plain, checkpointed):
        model(video, visible).square().mean().backward()
    torch.testing.assert_close(plain(video, visible),
                               checkpointed(video, visible))
    for a, b in zip(plain.parameters(), checkpointed.parameters()):
        torch.testing.assert_close(a.grad, b.grad)
