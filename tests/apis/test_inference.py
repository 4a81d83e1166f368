"""smile_mm.apis prepares clips as the config's own test pipeline does."""
import os.path as osp

import decord
import numpy as np
import pytest
import torch
from mmaction.apis import init_recognizer
from mmaction.registry import DATASETS
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

from smile_mm.apis import (config_test_pipeline, load_config, load_encoder,
                           prepare_frame, read_clip, to_clip)
from smile_mm.apis.inference import FEATURES_CONFIG

from ..conftest import write_video
# a 32-wide, 1-block ViT-T checkpoint of 16 frames at 32 px
from ..tools.test_extract_features import VIT, checkpoint  # noqa: F401


@pytest.fixture
def video(tmp_path, rng):
    frames = rng.integers(0, 256, (75, 40, 56, 3), dtype=np.uint8)
    return write_video(str(tmp_path / 'clip.mp4'), frames)


def config(**settings):
    """The tools' config at 32 px with a 32-wide, 1-block ViT-T."""
    cfg = load_config(FEATURES_CONFIG, size=32, **settings)
    cfg.model.backbone.update(arch='tiny', **VIT)
    cfg.model.cls_head.in_channels = 32
    return cfg


def mmaction_features(cfg, video, checkpoint):
    """The config's test dataset, data preprocessor and recognizer, as
    mmaction2 runs them: (clips [V, 3, T, H, W], backbone features)."""
    cfg.test_dataloader.dataset.update(
        type='VideoDataset', ann_file=str(osp.splitext(video)[0] + '.txt'),
        data_prefix=dict(video=osp.dirname(video)))
    with open(cfg.test_dataloader.dataset.ann_file, 'w') as file:
        file.write(f'{osp.basename(video)} 0\n')
    model = init_recognizer(cfg, checkpoint, device='cpu')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([dataset[0]]), False)
    with torch.no_grad():
        features, _ = model.extract_feat(data['inputs'], stage='backbone')
    return data['inputs'][0], features


def test_read_clip_is_the_configs_test_pipeline(video, checkpoint):
    cfg = config()
    clips, features = mmaction_features(cfg, video, checkpoint)
    ours = read_clip(video, cfg)
    assert ours.shape == (1, 3, 16, 32, 32) and ours.dtype == torch.float32
    assert torch.equal(ours, clips)
    encoder = load_encoder(checkpoint, 'tiny', img_size=32, num_frames=16,
                           **VIT)
    with torch.no_grad():
        assert torch.equal(encoder(ours), features)


def test_decoded_frames_enter_after_the_decoding_step(video):
    """to_clip of the frames the pipeline samples equals read_clip; a
    three-crop pipeline gives three views (and no single prepared frame)."""
    cfg = config()
    init_default_scope('mmaction')
    # DecordInit, SampleFrames
    sampling = Compose(config_test_pipeline(cfg)[:2])
    indices = sampling(dict(filename=video, start_index=0,
                            modality='RGB'))['frame_inds']
    frames = decord.VideoReader(video).get_batch(list(indices)).asnumpy()
    assert torch.equal(to_clip(frames, cfg), read_clip(video, cfg))
    square = prepare_frame(frames[0], cfg)
    assert square.shape == (32, 32, 3) and square.dtype == np.uint8

    cfg.test_dataloader.dataset.pipeline[4] = dict(type='ThreeCrop',
                                                   crop_size=32)
    assert to_clip(frames, cfg).shape == (3, 3, 16, 32, 32)
    with pytest.raises(ValueError, match='makes 3 views of a frame'):
        prepare_frame(frames[0], cfg)


def test_configs_without_what_is_needed_are_errors(tmp_path):
    frames = [np.zeros((8, 8, 3), np.uint8)]
    cfg = config()
    cfg.test_dataloader.dataset.pipeline = []
    cfg.test_pipeline = []
    with pytest.raises(ValueError, match='has no test pipeline .*give one'):
        to_clip(frames, cfg)
    with pytest.raises(ValueError, match='has no test pipeline'):
        read_clip('any.mp4', cfg)
    cfg = config()
    del cfg.test_dataloader.dataset.pipeline[2]  # DecordDecode
    with pytest.raises(ValueError, match='has no decoding step'):
        to_clip(frames, cfg)
    cfg = config()
    del cfg.model.data_preprocessor
    with pytest.raises(ValueError, match='no model.data_preprocessor'):
        to_clip(frames, cfg)
    with pytest.raises(KeyError, match="no top-level 'crop'"):
        load_config(FEATURES_CONFIG, crop=32)


def test_settings_reach_the_pipeline():
    steps = config_test_pipeline(load_config(
        FEATURES_CONFIG, size=48, clip_len=8, frame_interval=2))
    assert steps[1]['clip_len'] == 8 and steps[1]['frame_interval'] == 2
    assert steps[3]['scale'] == (-1, 48) and steps[4]['crop_size'] == 48
