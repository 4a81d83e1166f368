import math

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from torch import nn

from smile_mm.datasets import TubeTrajectoryMaskGenerator

from .conftest import samples_with_masks


def model_config(target=None, **neck):
    return dict(
        type='SMILERecognizer',
        backbone=dict(type='MaskedVideoViT', arch='small', img_size=64,
                      num_frames=4, embed_dims=64, depth=2, num_heads=2),
        neck=dict(type='VideoMAEDecoder', embed_dims=32, depth=1,
                  num_heads=2, **neck),
        head=dict(type='CLIPTargetHead'),
        target_generator=target or dict(type='PixelTarget'))


def build(target=None, **neck):
    init_default_scope('mmaction')
    model = MODELS.build(model_config(target, **neck))
    model.init_weights()
    return model


def batch(size=2, seed=0):
    rng = np.random.default_rng(seed)
    generator = TubeTrajectoryMaskGenerator(input_size=(4, 64, 64))
    masks = [generator.sample(rng) for _ in range(size)]
    inputs = [torch.from_numpy(rng.integers(0, 256, (1, 3, 4, 64, 64),
                                            dtype=np.uint8))
              for _ in range(size)]
    return dict(inputs=inputs, data_samples=samples_with_masks(masks))


def test_wiring_follows_encoder_and_target(tiny_clip_name,
                                           tiny_clip_checkpoint):
    model = build()
    assert model.neck.in_channels == 64 and model.neck.num_tokens == 32
    assert model.neck.out_channels == 1536  # 2 x 16 x 16 x RGB
    assert model.head.norm_target == 'none'  # pixels come normalised
    path, _ = tiny_clip_checkpoint
    clip = build(dict(type='CLIPTeacher', model_name=tiny_clip_name,
                      pretrained=path))
    assert clip.neck.out_channels == 64 and clip.head.norm_target == 'clip'
    with pytest.raises(ValueError, match='out_channels=512 does not match '
                       'the target width 1536'):
        build(out_channels=512)


def test_init_weights_is_videomaes_and_keeps_the_teacher():
    torch.manual_seed(0)
    init_default_scope('mmaction')
    model = MODELS.build(model_config(dict(
        type='TimmTeacher', model_name='vit_tiny_patch16_224',
        pretrained=None)))
    teacher = {key: value.clone()
               for key, value in model.target_generator.state_dict().items()}
    model.init_weights()
    checked = {nn.Linear: 0, nn.LayerNorm: 0}
    for name, module in model.named_modules():
        if name.startswith('target_generator'):
            continue
        if isinstance(module, nn.Linear):  # Xavier-uniform, zero bias
            fan_out, fan_in = module.weight.shape
            bound = math.sqrt(6 / (fan_in + fan_out))
            assert module.weight.abs().max() <= bound, name
            assert module.weight.std().item() == pytest.approx(
                bound / math.sqrt(3), rel=0.1), name
            assert module.bias is None or not module.bias.any(), name
            checked[nn.Linear] += 1
        elif isinstance(module, nn.LayerNorm):
            assert (module.weight == 1).all() and not module.bias.any(), name
            checked[nn.LayerNorm] += 1
    # linears: 2 encoder blocks x 4, 1 decoder block x 4, projection, head;
    # norms: 2 x 2 + final, 1 x 2 + final
    assert checked == {nn.Linear: 14, nn.LayerNorm: 8}
    for key, value in teacher.items():
        assert torch.equal(model.target_generator.state_dict()[key],
                           value), f'init_weights changed the teacher {key}'


def test_decoder_mask_token_is_truncated_normal():
    torch.manual_seed(0)
    decoder = MODELS.build(dict(type='VideoMAEDecoder', in_channels=8,
                                num_tokens=4, out_channels=8,
                                embed_dims=2048, depth=0))
    assert decoder.mask_token.std().item() == pytest.approx(0.02, rel=0.1)


def test_pretrained_init_cfg_overrides_the_default(tmp_path):
    source = build()
    path = tmp_path / 'smile.pth'
    torch.save(dict(state_dict=source.state_dict()), path)
    torch.manual_seed(1)
    model = MODELS.build(dict(model_config(),
                              init_cfg=dict(type='Pretrained',
                                            checkpoint=str(path))))
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_train_step_learns_a_batch():
    torch.manual_seed(0)
    model = build()
    data = batch()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=2e-3))
    losses = [model.train_step(data, optim)['loss'].item() for _ in range(30)]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]


def test_features_mode_and_unknown_mode():
    model = build()
    features = model(torch.zeros(2, 1, 3, 4, 64, 64), mode='tensor')
    assert features.shape == (2, 64, 2, 4, 4)
    with pytest.raises(ValueError, match="mode='loss' to train"):
        model(torch.zeros(1, 1, 3, 4, 64, 64), mode='predict')


def test_missing_masks_are_an_error():
    model = build()
    data = model.data_preprocessor(batch(), True)
    for sample in data['data_samples']:
        del sample.mask
    with pytest.raises(ValueError, match='TubeTrajectoryMaskGenerator'):
        model(**data, mode='loss')


def test_checkpoints_leave_the_teacher_out(tiny_clip_name,
                                           tiny_clip_checkpoint):
    path, _ = tiny_clip_checkpoint
    model = build(dict(type='CLIPTeacher', model_name=tiny_clip_name,
                       pretrained=path))
    state = model.state_dict()
    assert state and not any(k.startswith('target_generator.') for k in state)
    assert any(k.startswith('backbone.blocks.') for k in state)
    assert any(k.startswith('neck.') for k in state)
    other = build(dict(type='CLIPTeacher', model_name=tiny_clip_name,
                       pretrained=path))
    other.load_state_dict(state, strict=True)  # no teacher keys needed
    for key, value in state.items():
        torch.testing.assert_close(other.state_dict()[key], value)


def test_nan_loss_names_the_iteration_and_files():
    model = build()
    data = batch()
    data['inputs'][0] = data['inputs'][0].float()
    data['inputs'][0][0, 0, 0, 0, 0] = float('nan')
    MessageHub.get_current_instance().update_info('iter', 41)
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(FloatingPointError) as info:
        model.train_step(data, optim_wrapper)
    message = str(info.value)
    assert 'at iteration 41' in message
    assert 'clip0.mp4, clip1.mp4' in message
