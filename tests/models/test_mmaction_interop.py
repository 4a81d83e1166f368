"""SMILE's encoder in stock mmaction2: same weights, same features."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint

from smile_mm.models import MaskedVideoViT

VIT = dict(img_size=64, num_frames=4, embed_dims=96, depth=2, num_heads=3)


def mmaction_recognizer(**backbone):
    init_default_scope('mmaction')
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='VisionTransformer', patch_size=16, **VIT,
                      **backbone),
        cls_head=dict(type='TimeSformerHead', num_classes=5,
                      in_channels=96),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))


def test_state_dict_loads_strictly_and_features_match():
    torch.manual_seed(0)
    ours = MaskedVideoViT('small', img_size=64, num_frames=4, embed_dims=96,
                          depth=2, num_heads=3)
    ours.init_weights()
    for param in ours.parameters():  # no zero biases: every weight counts
        param.data.add_(0.01 * torch.randn_like(param))
    theirs = mmaction_recognizer(use_mean_pooling=False,
                                 return_feat_map=True).backbone
    theirs.load_state_dict(ours.state_dict(), strict=True)
    ours.eval()
    theirs.eval()
    video = torch.randn(2, 3, 4, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(video), theirs(video), atol=2e-5,
                                   rtol=1e-4)


def test_smile_checkpoint_loads_into_recognizer3d(tmp_path):
    init_default_scope('mmaction')
    smile = MODELS.build(dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', arch='small', img_size=64,
                      num_frames=4, embed_dims=96, depth=2, num_heads=3),
        neck=dict(type='VideoMAEDecoder', embed_dims=32, depth=1,
                  num_heads=2),
        head=dict(type='CLIPTargetHead'),
        target_generator=dict(type='PixelTarget')))
    smile.init_weights()
    path = str(tmp_path / 'smile.pth')
    save_checkpoint({'state_dict': smile.state_dict(), 'meta': {}}, path)

    feature_map = mmaction_recognizer(use_mean_pooling=False,
                                      return_feat_map=True)
    load_checkpoint(feature_map, path, strict=False)
    video = torch.randn(1, 3, 4, 64, 64)
    smile.eval()
    feature_map.eval()
    with torch.no_grad():
        torch.testing.assert_close(feature_map.extract_feat(video[None])[0],
                                   smile(video, mode='tensor'), atol=2e-5,
                                   rtol=1e-4)
    # the fine-tuning layout (mean pooling) takes every encoder weight but
    # the final norm, which it replaces by fc_norm
    pooled = mmaction_recognizer()
    state = torch.load(path, weights_only=False)['state_dict']
    backbone = {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')}
    result = pooled.backbone.load_state_dict(backbone, strict=False)
    assert sorted(result.missing_keys) == ['fc_norm.bias', 'fc_norm.weight']
    assert sorted(result.unexpected_keys) == ['norm.bias', 'norm.weight']


def test_mmaction2s_inference_api_runs_a_resolved_fine_tuning_config(
        tmp_path):
    """init_recognizer and inference_recognizer (which reads the config's
    top-level test_pipeline: the test loader's, by reference)."""
    import os.path as osp

    import numpy as np
    from mmaction.apis import inference_recognizer, init_recognizer
    from mmengine.config import Config

    from smile_mm.engine import resolve_references

    from ..conftest import MMACTION_LABEL_DATA, write_video
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, 'configs', 'smile', 'finetune',
                                   'smile_vit-s_16x4x1_k400-ft.py'))
    cfg.merge_from_dict({
        'size': 32, 'clip_len': 4, 'frame_interval': 1, 'num_classes': 3,
        'model.backbone.embed_dims': 32, 'model.backbone.depth': 1,
        'model.backbone.num_heads': 2, 'model.cls_head.in_channels': 32})
    cfg = resolve_references(cfg)
    assert cfg.test_pipeline == cfg.test_dataloader.dataset.pipeline
    model = init_recognizer(cfg, None, device='cpu')
    video = write_video(str(tmp_path / 'v.mp4'), np.random.default_rng(
        0).integers(0, 256, (24, 48, 64, 3), np.uint8))
    result = inference_recognizer(model, video)
    scores = (result.pred_scores.item if MMACTION_LABEL_DATA
              else result.pred_score)
    assert scores.shape == (3, )
    assert float(scores.sum()) == pytest.approx(1.0, abs=1e-5)  # 'prob'
