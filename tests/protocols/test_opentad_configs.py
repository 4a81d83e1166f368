"""OpenTAD's side, without OpenTAD: its configs load with mmengine, the
feature configs match what tools/extract_features.py writes, and the
end-to-end backbone builds and runs the way OpenTAD's BackboneWrapper does
it."""
import copy
import glob
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import MODELS
from mmengine.runner import load_checkpoint

from smile_mm.models import MaskedVideoViT

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TAL = osp.join(ROOT, 'configs', 'smile', 'tal')


def test_feature_configs_match_the_extractor():
    thumos = Config.fromfile(osp.join(TAL, 'actionformer_thumos14_smile-'
                                      'vit-b_s4.py'))
    train = thumos.dataset.train
    assert train.feature_stride == 4  # extract_features --stride default
    assert train.offset_frames == 8  # centre of a 16-frame snippet
    assert train.pipeline[0] == dict(type='LoadFeats', feat_format='npy')
    assert thumos.model.projection.in_channels == 768  # ViT-B
    anet = Config.fromfile(osp.join(TAL, 'actionformer_anet13_smile-vit-b_'
                                    's16.py'))
    assert anet.dataset.train.pipeline[0].prefix == 'v_'
    assert anet.model.projection.in_channels == 768
    assert anet.model.rpn_head.num_classes == 1  # class-agnostic
    # extract_features writes missing_files.txt beside the features
    for cfg in (thumos, anet):
        for split in ('train', 'val', 'test'):
            assert cfg.dataset[split].block_list == \
                cfg.data_path + 'missing_files.txt'
    assert anet.evaluation.blocked_videos == \
        'data/activitynet-1.3/annotations/blocked.json'  # OpenTAD's


@pytest.mark.parametrize('name', ['frozen', 'fullft'])
def test_end_to_end_backbone_as_backbone_wrapper_builds_it(name, tmp_path):
    cfg = Config.fromfile(osp.join(
        TAL, f'e2e_actionformer_thumos14_smile-vit-b_{name}.py'))
    assert 'smile_mm' in cfg.custom_imports['imports']
    backbone_cfg = copy.deepcopy(cfg.model.backbone)
    custom = backbone_cfg.pop('custom')
    assert custom.freeze_backbone == (name == 'frozen')
    # a small encoder and a checkpoint of it, as custom.pretrain
    backbone_cfg.backbone.update(arch='small', embed_dims=32, depth=1,
                                 num_heads=2)
    source = MaskedVideoViT('small', img_size=224, num_frames=16,
                            embed_dims=32, depth=1, num_heads=2)
    checkpoint = tmp_path / 'smile.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               source.state_dict().items()}}, checkpoint)

    model = MODELS.build(backbone_cfg)  # the root registry, as OpenTAD
    load_checkpoint(model, str(checkpoint), map_location='cpu')
    torch.testing.assert_close(model.backbone.blocks[0].attn.qkv.weight,
                               source.blocks[0].attn.qkv.weight)

    chunks, window, size = 2, 32, 160  # 2 snippets of 16 frames
    frames = torch.randint(0, 256, (1, 1, 3, window, size, size),
                           dtype=torch.uint8)
    inputs, _ = model.data_preprocessor.preprocess(
        [f for f in frames], data_samples=None, training=False)
    # pre_processing_pipeline: b n c (t1 t) h w -> (b t1) n c t h w
    b, n, c, _, h, w = inputs.shape
    inputs = inputs.reshape(b, n, c, chunks, 16, h, w).permute(
        0, 3, 1, 2, 4, 5, 6).reshape(b * chunks, n, c, 16, h, w)
    with torch.no_grad():
        features = model.backbone(inputs.flatten(0, 1))
    assert features.shape == (chunks, 32, 8, size // 16, size // 16)
    # post_processing_pipeline: mean over space, snippets back to time
    features = features.unflatten(0, (chunks, 1)).mean(dim=(1, 4, 5))
    features = features.reshape(1, chunks, 32, 8).permute(0, 2, 1, 3)
    features = F.interpolate(features.reshape(1, 32, -1), size=window,
                             mode='linear')
    assert features.shape == (1, 32, window)
    assert torch.isfinite(features).all()


def flat(value, prefix=''):
    """{dotted path: leaf} of a nested config."""
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            items.update(flat(item, f'{prefix}{key}.'))
        return items
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        items = {}
        for index, item in enumerate(value):
            items.update(flat(item, f'{prefix}{index}.'))
        return items
    return {prefix[:-1]: value}


VIT_S = sorted(glob.glob(osp.join(TAL, '*smile-vit-s*.py')))


@pytest.mark.parametrize('path', VIT_S, ids=osp.basename)
def test_vit_s_configs_are_their_vit_b_twin_with_the_small_encoder(path):
    twin = path.replace('smile-vit-s', 'smile-vit-b')
    small = flat(Config.fromfile(path).to_dict())
    base = flat(Config.fromfile(twin).to_dict())
    differ = {key for key in set(small) | set(base)
              if small.get(key) != base.get(key)}
    assert small['model.projection.in_channels'] == 384
    assert small['work_dir'] == base['work_dir'].replace('vit-b', 'vit-s')
    if 'e2e_' in path:
        assert small['model.backbone.backbone.arch'] == 'small'
        assert differ == {'model.backbone.backbone.arch',
                          'model.backbone.custom.pretrain',
                          'model.projection.in_channels', 'work_dir'}
    else:  # the features of a ViT-S, where extract_features writes them
        assert small['data_path'] == base['data_path'].replace('vit-b',
                                                               'vit-s')
        blocks = {f'dataset.{split}.{key}' for split in ('train', 'val', 'test')
                  for key in ('data_path', 'block_list')}
        assert differ == {'data_path', 'block_list', 'feature_width',
                          'model.projection.in_channels', 'work_dir',
                          *blocks}
        for split in ('train', 'val', 'test'):
            assert small[f'dataset.{split}.data_path'] == small['data_path']


def test_every_vit_b_tal_config_has_a_vit_s_twin():
    paths = glob.glob(osp.join(TAL, '*smile-vit-b*.py'))
    assert paths and all(osp.isfile(p.replace('smile-vit-b', 'smile-vit-s'))
                         for p in paths)


def test_all_tal_configs_load():
    paths = glob.glob(osp.join(TAL, '*.py'))
    assert len(paths) == 8
    for path in paths:
        cfg = Config.fromfile(path)
        assert cfg.model.type == 'ActionFormer'
        assert set(cfg.dataset) == {'train', 'val', 'test'}
