import pytest
import torch
from mmaction.registry import MODELS
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from smile_mm.models import MaskedVideoViT, SMILEVisionTransformer


def vit(**kwargs):
    return SMILEVisionTransformer('small', img_size=64, num_frames=4,
                                  embed_dims=32, depth=2, num_heads=2,
                                  **kwargs)


def test_output_types_follow_mmaction():
    video = torch.randn(2, 3, 4, 64, 64)
    pooled = vit()
    assert isinstance(pooled.norm, torch.nn.Identity)
    assert pooled(video).shape == (2, 32)
    mean = vit(out_type='mean')
    features = mean(video)
    featmap = vit(out_type='featmap')
    featmap.load_state_dict(mean.state_dict())
    torch.testing.assert_close(features,
                               featmap(video).flatten(2).mean(dim=2))
    with pytest.raises(ValueError, match='out_type'):
        vit(out_type='cls')


def test_frozen_encoder_builds_no_graph_and_stays_in_eval():
    frozen = vit(frozen=True, out_type='mean')
    frozen.train()
    assert not frozen.training
    assert not any(p.requires_grad for p in frozen.parameters())
    video = torch.randn(1, 3, 4, 64, 64, requires_grad=True)
    assert not frozen(video).requires_grad


def test_pretraining_checkpoint_of_other_frames_loads_resized():
    pretrained = MaskedVideoViT('small', img_size=64, num_frames=4,
                                embed_dims=32, depth=2, num_heads=2)
    longer = SMILEVisionTransformer('small', img_size=64, num_frames=8,
                                    embed_dims=32, depth=2, num_heads=2,
                                    out_type='mean')
    result = longer.load_state_dict(pretrained.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert longer.pos_embed.shape == (1, 64, 32)
    # the first and last slices of a stretched table are the originals'
    # ends' neighbourhoods: trilinear keeps the table's range
    assert longer.pos_embed.abs().max() <= 1 + 1e-6


def test_layer_wise_decay_with_mmaction_constructor():
    init_default_scope('mmaction')
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='SMILEVisionTransformer', arch='small',
                      img_size=64, num_frames=4, embed_dims=32, depth=2,
                      num_heads=2),
        cls_head=dict(type='TimeSformerHead', num_classes=3,
                      in_channels=32)))
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
        constructor='LearningRateDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.5, decay_type='layer_wise',
                           num_layers=2)))
    lrs = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for param in group['params']:
            lrs[names[id(param)]] = group['lr']
    head = lrs['cls_head.fc_cls.weight']
    assert head == pytest.approx(1e-3)
    assert lrs['backbone.blocks.1.attn.qkv.weight'] == pytest.approx(
        head * 0.5)
    assert lrs['backbone.blocks.0.attn.qkv.weight'] == pytest.approx(
        head * 0.25)
    assert lrs['backbone.patch_embed.projection.weight'] == pytest.approx(
        head * 0.125)
