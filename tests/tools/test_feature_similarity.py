import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from smile_mm.models import MaskedVideoViT
from tools.feature_similarity import main, off_diagonal_mean, slice_similarity

from ..conftest import write_video


def test_similarity_of_hand_made_slices():
    features = torch.zeros(2, 3, 1, 2)  # C=2, 3 slices, 1x2 tokens
    features[:, 0] = torch.tensor([1.0, 0.0])[:, None, None]
    features[:, 1] = torch.tensor([0.0, 2.0])[:, None, None]
    features[:, 2] = torch.tensor([3.0, 3.0])[:, None, None]
    matrix = slice_similarity(features)
    half = 1 / np.sqrt(2)
    np.testing.assert_allclose(matrix, [[1, 0, half], [0, 1, half],
                                        [half, half, 1]], atol=1e-6)
    assert off_diagonal_mean(matrix) == pytest.approx(2 * half / 3)


def test_writes_matrices_and_heatmap(tmp_path, rng, monkeypatch):
    checkpoints = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        encoder = MaskedVideoViT('tiny', img_size=32, num_frames=8,
                                 embed_dims=16, depth=1, num_heads=2)
        path = tmp_path / f'model{seed}.pth'
        torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                                   encoder.state_dict().items()}}, path)
        checkpoints.append(str(path))
    videos = [write_video(str(tmp_path / f'v{i}.mp4'),
                          rng.integers(0, 256, (20, 40, 64, 3), np.uint8))
              for i in range(2)]
    out = tmp_path / 'out'
    import functools

    import smile_mm.apis.inference as inference
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        functools.partial(inference.SMILEVisionTransformer,
                                          embed_dims=16, depth=1,
                                          num_heads=2))
    assert main(['--checkpoints', *checkpoints, '--names', 'a', 'b',
                 '--videos', *videos, '--arch', 'tiny', '--num-frames', '8',
                 '--interval', '2', '--size', '32', '--out-dir', str(out),
                 '--device', 'cpu']) == 0
    for name in ('a', 'b'):
        matrix = np.load(out / f'{name}.npy')
        assert matrix.shape == (4, 4)
        np.testing.assert_allclose(np.diag(matrix), 1, atol=1e-5)
        np.testing.assert_allclose(matrix, matrix.T, atol=1e-6)
        assert osp.isfile(out / f'{name}.csv')
    with Image.open(out / 'similarity.png') as image:
        assert image.size[0] > image.size[1]  # two panels side by side
    with pytest.raises(SystemExit):
        main(['--checkpoints', checkpoints[0], '--names', 'a', 'b',
              '--videos', *videos])
