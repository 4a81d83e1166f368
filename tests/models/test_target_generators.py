import logging

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger

from smile_mm.models import CLIPTeacher, PixelTarget, TimmTeacher
from smile_mm.models.target_generators.base import INPUT_NORMS

MEAN, STD = INPUT_NORMS['imagenet']


def preprocessed(raw):
    """What ActionDataPreprocessor gives for raw 0-255 clips."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1, 1)
    return (raw - mean) / std


def test_pixel_target_matches_a_loop_reference():
    torch.manual_seed(0)
    raw = torch.randint(0, 256, (1, 3, 4, 32, 48)).float()
    target = PixelTarget(grid=(2, 2, 3))(preprocessed(raw))
    assert target.shape == (1, 12, 2 * 16 * 16 * 3)
    pixels = raw / 255
    token = 0
    for t in range(2):
        for i in range(2):
            for j in range(3):
                cube = pixels[0, :, 2 * t:2 * t + 2, 16 * i:16 * i + 16,
                              16 * j:16 * j + 16]
                values = cube.permute(1, 2, 3, 0).reshape(-1, 3)
                normalised = (values - values.mean(0)) / (
                    values.std(0, unbiased=True) + 1e-6)
                torch.testing.assert_close(target[0, token],
                                           normalised.flatten(), atol=1e-4,
                                           rtol=1e-4)
                token += 1
    raw_target = PixelTarget(grid=(2, 2, 3), normalize=False)(
        preprocessed(raw))
    assert raw_target.min() >= -1e-6 and raw_target.max() <= 1 + 1e-6


def test_clip_teacher_needs_weights_or_says_what_it_does(tiny_clip_name):
    with pytest.raises(ValueError, match='has no weights'):
        CLIPTeacher(tiny_clip_name, grid=(2, 4, 4))
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    MMLogger.get_current_instance().addHandler(handler)
    try:
        pixel = CLIPTeacher(tiny_clip_name, grid=(2, 4, 4),
                            on_missing_weights='pixel')
        pixel.log()
        random = CLIPTeacher(tiny_clip_name, grid=(2, 4, 4),
                             on_missing_weights='random')
        random.log()
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    assert pixel.out_channels == 1536 and pixel.default_norm == 'none'
    assert "no CLIP weights were given" in lines[0]
    assert "pixel target" in lines[0]
    assert 'RANDOM weights' in lines[1]
    assert random.out_channels == 64


def test_clip_teacher_strict_loading(tiny_clip_name, tiny_clip_checkpoint,
                                     tmp_path):
    path, model = tiny_clip_checkpoint
    teacher = CLIPTeacher(tiny_clip_name, pretrained=path, grid=(2, 4, 4))
    for key, value in model.visual.state_dict().items():
        torch.testing.assert_close(teacher.visual.state_dict()[key], value)
    # the image tower alone, with or without the 'visual.' prefix
    visual_only = tmp_path / 'visual.pt'
    torch.save({f'visual.{k}': v
                for k, v in model.visual.state_dict().items()}, visual_only)
    CLIPTeacher(tiny_clip_name, pretrained=str(visual_only), grid=(2, 4, 4))
    broken = dict(model.state_dict())
    del broken['visual.ln_post.weight']
    torch.save(broken, tmp_path / 'broken.pt')
    with pytest.raises(RuntimeError, match='ln_post.weight'):
        CLIPTeacher(tiny_clip_name, pretrained=str(tmp_path / 'broken.pt'),
                    grid=(2, 4, 4))
    with pytest.raises(RuntimeError, match='does not fit open_clip ViT-B-16'):
        CLIPTeacher('ViT-B-16', pretrained=path, grid=(8, 14, 14))
    with pytest.raises(FileNotFoundError, match='missing.pt'):
        CLIPTeacher(tiny_clip_name, pretrained=str(tmp_path / 'missing.pt'),
                    grid=(2, 4, 4))
    with pytest.raises(ValueError, match='open_clip has no model'):
        CLIPTeacher('ViT-X-99', pretrained=path, grid=(2, 4, 4))


def test_clip_targets_are_the_first_frame_of_each_tubelet(
        tiny_clip_name, tiny_clip_checkpoint):
    path, model = tiny_clip_checkpoint
    teacher = CLIPTeacher(tiny_clip_name, pretrained=path, grid=(2, 4, 4))
    teacher.train()  # stays in eval mode
    assert not teacher.training
    assert not any(p.requires_grad for p in teacher.parameters())
    torch.manual_seed(1)
    raw = torch.randint(0, 256, (2, 3, 4, 64, 64)).float()
    targets = teacher(preprocessed(raw))
    assert targets.shape == (2, 2 * 16, 64)
    mean, std = INPUT_NORMS['clip']
    frames = raw[:, :, ::2].transpose(1, 2).flatten(0, 1) / 1.0
    frames = (frames - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(
        std).view(1, 3, 1, 1)
    model.visual.output_tokens = True
    _, tokens = model.visual.eval()(frames)
    torch.testing.assert_close(targets, tokens.reshape(2, 32, 64),
                               atol=1e-4, rtol=1e-4)
    projected = CLIPTeacher(tiny_clip_name, pretrained=path, grid=(2, 4, 4),
                            with_proj=True)
    assert projected.out_channels == 32
    torch.testing.assert_close(projected(preprocessed(raw)),
                               targets @ model.visual.proj, atol=1e-4,
                               rtol=1e-4)


def test_teacher_grid_multiple_is_pooled_other_grids_fail(
        tiny_clip_name, tiny_clip_checkpoint):
    path, _ = tiny_clip_checkpoint
    full = CLIPTeacher(tiny_clip_name, pretrained=path, grid=(1, 4, 4))
    half = CLIPTeacher(tiny_clip_name, pretrained=path, grid=(1, 2, 2))
    raw = torch.randint(0, 256, (1, 3, 2, 64, 64)).float()
    small = F.interpolate(raw[:, :, 0], size=(32, 32), mode='area')
    small = small[:, :, None].repeat(1, 1, 2, 1, 1)
    # a 32 px clip is upsampled to 64 px for the teacher, then its 4x4
    # patch features are averaged to the student's 2x2 grid
    upsampled = F.interpolate(small[:, :, 0], size=(64, 64), mode='bicubic',
                              align_corners=False)[:, :, None]
    reference = full(preprocessed(upsampled.repeat(1, 1, 2, 1, 1)))
    reference = F.avg_pool2d(
        reference.transpose(1, 2).reshape(1, 64, 4, 4), 2).flatten(2)
    torch.testing.assert_close(half(preprocessed(small)),
                               reference.transpose(1, 2), atol=1e-3,
                               rtol=1e-3)
    with pytest.raises(ValueError, match='4x4 patch grid, which does not '
                       'match the student\'s 3x3'):
        CLIPTeacher(tiny_clip_name, pretrained=path, grid=(1, 3, 3))


def test_timm_teacher_patch_tokens():
    teacher = TimmTeacher('vit_tiny_patch16_224', pretrained=None,
                          grid=(2, 4, 4))
    raw = torch.randint(0, 256, (1, 3, 4, 64, 64)).float()
    targets = teacher(preprocessed(raw))
    assert targets.shape == (1, 32, 192)
    assert 'RANDOM weights' in teacher.describe()
    dinov2 = TimmTeacher('vit_small_patch14_dinov2', pretrained=None,
                         grid=(1, 3, 3))
    assert dinov2.teacher_patch == 14
    assert dinov2.teacher_frames(torch.zeros(1, 3, 2, 48, 48)).shape[-1] == 42
    assert dinov2(torch.zeros(1, 3, 2, 48, 48)).shape == (1, 9, 384)
    with pytest.raises(FileNotFoundError):
        TimmTeacher('vit_tiny_patch16_224', pretrained='/nonexistent.pth',
                    grid=(1, 3, 3))
