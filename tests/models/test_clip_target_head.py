import pytest
import torch
import torch.nn.functional as F

from smile_mm.models import CLIPTargetHead
from smile_mm.models.utils import mask_indices


def masked(mask):
    """The masked tokens' indices, as SMILERecognizer hands them over."""
    return mask_indices(mask)[1]


def case(batch=2, tokens=10, width=6, masked=7, seed=0):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randn(batch, tokens, width, generator=generator) * 3 + 1
    mask = torch.zeros(batch, tokens, dtype=torch.bool)
    for b in range(batch):
        mask[b, torch.randperm(tokens, generator=generator)[:masked]] = True
    pred = torch.randn(batch, masked, width, generator=generator)
    return pred, target, mask


def test_loss_is_mse_over_masked_tokens_only():
    head = CLIPTargetHead(norm_target='none')
    pred, target, mask = case()
    expected = torch.stack([
        F.mse_loss(pred[b], target[b][mask[b]]) for b in range(2)]).mean()
    torch.testing.assert_close(head.loss(pred, target, masked(mask))['loss'],
                               expected)


@pytest.mark.parametrize('norm', ['none', 'token'])
def test_visible_targets_do_not_matter_masked_ones_do(norm):
    head = CLIPTargetHead(norm_target=norm)
    pred, target, mask = case()
    loss = head.loss(pred, target, masked(mask))['loss']
    changed = target.clone()
    changed[~mask] = 100.0
    torch.testing.assert_close(head.loss(pred, changed, masked(mask))['loss'], loss)
    changed = target.clone()
    first_masked = mask[0].nonzero()[0, 0]
    changed[0, first_masked] = torch.linspace(-2, 3, 6)  # new values
    assert head.loss(pred, changed, masked(mask))['loss'] != loss


def test_clip_normalisation_is_per_clip_and_channel():
    head = CLIPTargetHead(norm_target='clip')
    _, target, _ = case()
    normalised = head.normalise(target)
    torch.testing.assert_close(normalised.mean(dim=1),
                               torch.zeros(2, 6), atol=1e-5, rtol=0)
    torch.testing.assert_close(normalised.std(dim=1), torch.ones(2, 6),
                               atol=1e-5, rtol=0)
    # a clip's statistics do not depend on the other clip
    other = target.clone()
    other[1] *= 50
    torch.testing.assert_close(head.normalise(other)[0], normalised[0])


def test_token_normalisation_and_weight():
    head = CLIPTargetHead(norm_target='token', loss_weight=2.0)
    pred, target, mask = case()
    normalised = head.normalise(target)
    torch.testing.assert_close(normalised,
                               F.layer_norm(target, (6, ), eps=1e-6))
    expected = F.mse_loss(pred, normalised[mask].reshape(2, 7, 6)) * 2
    torch.testing.assert_close(head.loss(pred, target, masked(mask))['loss'],
                               expected)


def test_errors():
    pred, target, mask = case()
    with pytest.raises(ValueError, match='norm_target'):
        CLIPTargetHead(norm_target='batch')
    with pytest.raises(ValueError, match="'auto' is for a SMILERecognizer"):
        CLIPTargetHead(norm_target='auto')
    head = CLIPTargetHead(norm_target='none')
    with pytest.raises(ValueError, match='predicts 5 channels but the target '
                       'has 6'):
        head.loss(pred[..., :5], target, masked(mask))
    with pytest.raises(ValueError, match=r'predictions of shape \(2, 3, 6\) '
                       r'for \(2, 7\) masked tokens'):
        head.loss(pred[:, :3], target, masked(mask))
