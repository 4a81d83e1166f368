import os.path as osp

import numpy as np
from PIL import Image

from tools.visualize_motion import main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_static.py')


def test_renders_gif_and_grid(tmp_path):
    out = str(tmp_path / 'vis')
    assert main([CONFIG, '--out-dir', out, '--num-clips', '2', '--thumb',
                 '56', '--cfg-options', 'num_samples=4',
                 'background=black']) == 0
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
                 'num_samples=1']) == 0
    import decord
    reader = decord.VideoReader(osp.join(out, 'clip_00000.mp4'))
    assert len(reader) == 16 and reader[0].shape == (224, 448, 3)


def test_unreadable_and_missing_videos_are_named(tmp_path, capsys):
    """A real-video config: the corrupt file and the missing one are named
    and skipped, the readable one is drawn."""
    import pytest

    from ..conftest import write_video
    root = tmp_path / 'videos'
    root.mkdir()
    write_video(str(root / 'good.mp4'),
                np.random.default_rng(0).integers(0, 256, (20, 64, 64, 3),
                                                  np.uint8))
    (root / 'corrupt.mp4').write_bytes(b'\x00' * 512)
    ann = tmp_path / 'list.txt'
    ann.write_text('corrupt.mp4 0\ngone.mp4 0\ngood.mp4 0\n')
    k400 = osp.join(ROOT, 'configs', '_base_', 'datasets', 'pretrain_k400.py')
    options = ['--cfg-options', f'ann_file_train={ann}', f'data_root={root}',
               'train_dataloader.dataset.clips_per_video=1']
    out = str(tmp_path / 'vis')
    assert main([k400, '--out-dir', out, '--num-clips', '3', *options,
                 'train_dataloader.dataset.max_failure_ratio=0.9']) == 0
    err = capsys.readouterr().err
    assert 'corrupt.mp4: DecordInit failed' in err
    assert 'gone.mp4: does not exist' in err
    assert osp.isfile(osp.join(out, 'clip_00002.gif'))
    assert not osp.exists(osp.join(out, 'clip_00000.gif'))
    # beyond max_failure_ratio the missing file stops the build: one line
    # that names it and the settings that point at the videos
    with pytest.raises(SystemExit):
        main([k400, '--out-dir', out, *options])
    err = capsys.readouterr().err
    assert 'gone.mp4' in err and 'data_root=FOLDER ann_file_train=LIST' in err
    assert 'Traceback' not in err
