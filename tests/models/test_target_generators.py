import pytest
import torch
import torch.nn.functional as F

from smile_mm.models import PixelTarget, TimmTeacher
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
