"""Conversions are exact: the converted model computes what the original
did, on the same input."""
import argparse

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope

from smile_mm.models.utils import mask_indices, resize_pos_embed
from tools.convert_checkpoint import main

from .videomae_reference import RefFinetune, RefPretrain, randomise

DIMS, DEPTH, HEADS = 48, 2, 3
GRID = (2, 4, 4)  # 4 frames of 64x64
TOKENS = 32


def smile_model():
    init_default_scope('mmaction')
    return MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', arch='small', img_size=64,
                      num_frames=4, embed_dims=DIMS, depth=DEPTH,
                      num_heads=HEADS),
        neck=dict(type='VideoMAEDecoder', embed_dims=32, depth=1,
                  num_heads=2),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='PixelTarget')))


def recognizer(num_frames=4, backbone_type='VisionTransformer', **backbone):
    init_default_scope('mmaction')
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type=backbone_type, img_size=64, patch_size=16,
                      embed_dims=DIMS, depth=DEPTH, num_heads=HEADS,
                      num_frames=num_frames, **backbone),
        cls_head=dict(type='TimeSformerHead', num_classes=5,
                      in_channels=DIMS),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))


def load_converted(path):
    return torch.load(path, weights_only=False)['state_dict']


@pytest.fixture
def video():
    return torch.randn(2, 3, 4, 64, 64, generator=torch.Generator()
                       .manual_seed(1))


@pytest.fixture
def mask():
    mask = torch.zeros(2, TOKENS, dtype=torch.bool)
    mask[:, 5:29] = True
    return mask


def test_authors_pretraining_checkpoint_to_smile(tmp_path, video, mask):
    reference = randomise(RefPretrain(DIMS, DEPTH, HEADS, TOKENS, 32, 2,
                                      1536)).eval()
    source = tmp_path / 'smile_authors.pth'
    # as the authors' run_mae_pretraining.py saves: with its arguments
    torch.save({'model': reference.state_dict(), 'epoch': 299,
                'args': argparse.Namespace(mask_ratio=0.8, lr=1.5e-4)},
               source)
    assert main([str(source), str(tmp_path / 'out.pth'), '--to',
                 'smile']) == 0
    model = smile_model().eval()
    model.load_state_dict(load_converted(tmp_path / 'out.pth'), strict=True)
    with torch.no_grad():
        visible, hidden = mask_indices(mask)
        torch.testing.assert_close(model.backbone(video, visible),
                                   reference.encoder(video, mask),
                                   atol=1e-5, rtol=1e-4)
        ours = model.neck(model.backbone(video, visible), visible, hidden)
        torch.testing.assert_close(ours, reference(video, mask), atol=1e-5,
                                   rtol=1e-4)


def test_authors_checkpoints_to_mmaction(tmp_path, video, capsys):
    pretrain = randomise(RefPretrain(DIMS, DEPTH, HEADS, TOKENS, 32, 2,
                                     1536)).eval()
    torch.save({'module': pretrain.state_dict()}, tmp_path / 'pre.pth')
    main([str(tmp_path / 'pre.pth'), str(tmp_path / 'mm.pth'), '--to',
          'mmaction'])
    assert 'left out' in capsys.readouterr().out  # the decoder
    model = recognizer(use_mean_pooling=False, return_feat_map=True).eval()
    model.load_state_dict(load_converted(tmp_path / 'mm.pth'), strict=False)
    with torch.no_grad():
        features = model.backbone(video).flatten(2).transpose(1, 2)
        torch.testing.assert_close(features, pretrain.encoder(video),
                                   atol=1e-5, rtol=1e-4)

    finetuned = randomise(RefFinetune(DIMS, DEPTH, HEADS, TOKENS, 5)).eval()
    torch.save({'model': {'module.' + k: v for k, v in
                          finetuned.state_dict().items()}},
               tmp_path / 'ft.pth')
    main([str(tmp_path / 'ft.pth'), str(tmp_path / 'mm_ft.pth'), '--to',
          'mmaction'])
    model = recognizer().eval()  # mean pooling, TimeSformerHead
    result = model.load_state_dict(load_converted(tmp_path / 'mm_ft.pth'),
                                   strict=False)
    assert result.unexpected_keys == []
    assert result.missing_keys == ['backbone.pos_embed']  # a fixed buffer
    with torch.no_grad():
        logits = model.cls_head(model.backbone(video))
        torch.testing.assert_close(logits, finetuned(video), atol=1e-5,
                                   rtol=1e-4)


def test_smile_to_mmaction_layouts(tmp_path, video):
    smile = smile_model().eval()
    torch.save({'state_dict': smile.state_dict()}, tmp_path / 'smile.pth')
    main([str(tmp_path / 'smile.pth'), str(tmp_path / 'feat.pth'), '--to',
          'mmaction'])
    state = load_converted(tmp_path / 'feat.pth')
    assert all(k.startswith('backbone.') for k in state)
    model = recognizer(use_mean_pooling=False, return_feat_map=True).eval()
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        torch.testing.assert_close(model.backbone(video),
                                   smile(video[:, None], mode='tensor'),
                                   atol=1e-5, rtol=1e-4)
    main([str(tmp_path / 'smile.pth'), str(tmp_path / 'pool.pth'), '--to',
          'mmaction', '--mean-pooling'])
    pooled = recognizer()
    result = pooled.load_state_dict(load_converted(tmp_path / 'pool.pth'),
                                    strict=False)
    assert result.unexpected_keys == []
    assert sorted(result.missing_keys) == [
        'backbone.fc_norm.bias', 'backbone.fc_norm.weight',
        'cls_head.fc_cls.bias', 'cls_head.fc_cls.weight']


def test_position_table_is_resized_for_other_clips(tmp_path):
    smile = smile_model()
    torch.save({'state_dict': smile.state_dict()}, tmp_path / 'smile.pth')
    main([str(tmp_path / 'smile.pth'), str(tmp_path / 'f8.pth'), '--to',
          'mmaction', '--num-frames', '8', '--img-size', '64'])
    state = load_converted(tmp_path / 'f8.pth')
    expected = resize_pos_embed(smile.backbone.pos_embed, GRID, (4, 4, 4))
    torch.testing.assert_close(state['backbone.pos_embed'], expected)
    # stock mmaction2 now loads it for 8-frame clips without a size mismatch
    model = recognizer(num_frames=8, use_mean_pooling=False)
    result = model.load_state_dict(state, strict=False)
    assert not [k for k in result.missing_keys if k.startswith('backbone')]
    # and SMILEVisionTransformer resizes by itself when loading, from the
    # grid the checkpoint records
    ours = recognizer(num_frames=8, backbone_type='SMILEVisionTransformer',
                      arch='small', out_type='mean')
    ours.load_state_dict(smile.state_dict(), strict=False)
    torch.testing.assert_close(ours.backbone.pos_embed, expected)
    assert state._metadata['backbone']['token_grid'] == [4, 4, 4]
