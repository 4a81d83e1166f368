import os.path as osp

import numpy as np
from PIL import Image

from tools.visualize_motion import main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_static.py')


def test_renders_gif_and_grid(tmp_path):
    out = str(tmp_path / 'vis')
    assert main([CONFIG, '--out-dir', out, '--num-clips', '2', '--thumb',
                 '56', '--cfg-options', 'train_dataloader.dataset.num_samples=4',
                 'train_dataloader.dataset.background=black']) == 0
    with Image.open(osp.join(out, 'clip_00000.gif')) as gif:
        assert gif.n_frames == 16 and gif.size == (448, 224)
    grid = np.asarray(Image.open(osp.join(out, 'grid.png')))
    assert grid.shape == (4 * 56, 8 * 56, 3)  # 2 rows per clip, 8 tubelets
    # black background: objects are the only bright pixels, and the masked
    # view (second row) is darker than the clip itself
    top, masked = grid[:56].astype(float), grid[56:112].astype(float)
    assert top.max() > 100 and masked.mean() < top.mean()


def test_mp4_output(tmp_path):
    out = str(tmp_path / 'vis')
    assert main([CONFIG, '--out-dir', out, '--num-clips', '1', '--format',
                 'mp4', '--cfg-options',
                 'train_dataloader.dataset.num_samples=1']) == 0
    import decord
    reader = decord.VideoReader(osp.join(out, 'clip_00000.mp4'))
    assert len(reader) == 16 and reader[0].shape == (224, 448, 3)
