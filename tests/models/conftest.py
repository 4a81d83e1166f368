"""Tiny models the model tests build in a blink."""
import json

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

TINY_CLIP = 'smile-test-tiny-clip'


@pytest.fixture(scope='session')
def tiny_clip_name(tmp_path_factory):
    """A 64 px open_clip architecture with 16 px patches (4x4 grid)."""
    import open_clip
    folder = tmp_path_factory.mktemp('open_clip')
    config = dict(
        embed_dim=32,
        vision_cfg=dict(image_size=64, patch_size=16, width=64, layers=2,
                        head_width=32),
        text_cfg=dict(context_length=8, vocab_size=64, width=32, heads=2,
                      layers=1))
    (folder / f'{TINY_CLIP}.json').write_text(json.dumps(config))
    open_clip.add_model_config(str(folder / f'{TINY_CLIP}.json'))
    return TINY_CLIP


@pytest.fixture
def tiny_clip_checkpoint(tiny_clip_name, tmp_path):
    """A full open_clip checkpoint file of the tiny architecture."""
    import open_clip
    torch.manual_seed(3)
    model = open_clip.create_model(tiny_clip_name)
    path = tmp_path / 'tiny_clip.pt'
    torch.save(model.state_dict(), path)
    return str(path), model


def samples_with_masks(masks):
    samples = []
    for mask in masks:
        sample = ActionDataSample()
        sample.set_field(torch.as_tensor(np.asarray(mask)), 'mask')
        sample.set_metainfo(dict(filename=f'clip{len(samples)}.mp4'))
        samples.append(sample)
    return samples
