"""Token grids of position tables: recorded by the encoders, read back by
every loader, never guessed."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import (load_checkpoint, save_checkpoint,
                                        weights_to_cpu)

from smile_mm.models import MaskedVideoViT, SMILEVisionTransformer
from smile_mm.models.utils import (UnknownGridError, grid_candidates,
                                   resize_pos_embed, source_grid)

VIT = dict(arch='small', embed_dims=32, depth=1, num_heads=2)


def test_grid_candidates_and_source_grid():
    # 392 = 2 x 14 x 14 = 8 x 7 x 7 = 98 x 2 x 2
    assert grid_candidates(392) == [(2, 14, 14), (8, 7, 7), (98, 2, 2)]
    assert grid_candidates(8) == [(2, 2, 2)]
    assert source_grid(392, (8, 7, 7), (8, 14, 14)) == (8, 7, 7)
    assert source_grid(1568, None, (8, 14, 14)) == (8, 14, 14)
    assert source_grid(8, None, (4, 4, 4)) == (2, 2, 2)  # one candidate
    with pytest.raises(UnknownGridError, match=r'\(8, 7, 7\) = 16 frames '
                       r'of 112 px; \(98, 2, 2\)'):
        source_grid(392, None, (8, 14, 14))
    with pytest.raises(ValueError, match='inconsistent'):
        source_grid(392, (8, 14, 14), (8, 14, 14))


def test_the_grid_travels_with_mmengine_checkpoints(tmp_path):
    """The demo's case: 16 frames of 112 px used at 224 px (here 16 x 32 ->
    16 x 64 px): a 32-row table fits (8, 2, 2) and (2, 4, 4)."""
    torch.manual_seed(0)
    init_default_scope('mmaction')
    pretrained = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', img_size=32, num_frames=16,
                      **VIT),
        neck=dict(type='VideoMAEDecoder', embed_dims=16, depth=1,
                  num_heads=2),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='PixelTarget')))
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': weights_to_cpu(pretrained.state_dict())},
                    path)
    recognizer = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='SMILEVisionTransformer', img_size=64,
                      num_frames=16, out_type='featmap', **VIT),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))
    load_checkpoint(recognizer, path, strict=False)  # load_from's route
    expected = resize_pos_embed(pretrained.backbone.pos_embed, (8, 2, 2),
                                (8, 4, 4))
    torch.testing.assert_close(recognizer.backbone.pos_embed, expected)
    # an encoder built for the checkpoint's clips, fed 64 px clips
    own = SMILEVisionTransformer(img_size=32, num_frames=16,
                                 out_type='featmap', **VIT).eval()
    own.load_state_dict(pretrained.backbone.state_dict())
    video = torch.randn(1, 3, 16, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(recognizer.backbone.eval()(video),
                                   own(video), atol=1e-5, rtol=1e-5)


def test_same_token_count_other_grid_is_rearranged():
    """(2, 4, 4) and (8, 2, 2) have 32 tokens each: with the record, the
    table is resized between them, not loaded row for row."""
    source = MaskedVideoViT(img_size=64, num_frames=4, **VIT)
    target = MaskedVideoViT(img_size=32, num_frames=16, **VIT)
    target.load_state_dict(source.state_dict())
    torch.testing.assert_close(
        target.pos_embed,
        resize_pos_embed(source.pos_embed, (2, 4, 4), (8, 2, 2)))
    assert not torch.equal(target.pos_embed, source.pos_embed)


def test_a_table_without_record_is_not_guessed():
    state = MaskedVideoViT(img_size=32, num_frames=16, **VIT).state_dict()
    bare = dict(state)  # a plain dict: no metadata
    encoder = MaskedVideoViT(img_size=64, num_frames=16, **VIT)
    with pytest.raises(UnknownGridError, match=r'fits \(2, 4, 4\) = 4 '
                       r'frames of 64 px; \(8, 2, 2\) = 16 frames of 32 px'):
        encoder.load_state_dict(bare)
