"""tools/make_motion_dataset.py: the lists mmaction2 reads, and classes told
apart by the square's colour and by its direction."""
import os.path as osp

import decord
import numpy as np
import pytest

from tools.make_motion_dataset import COLOURS, main


def square(frames, colour):
    """(rows of the square at the start, at the end) by the pixels that
    change most from the first frame to the last and are near ``colour``
    in one of them: the square moved there or away from there."""
    first, last = frames[0].astype(int), frames[-1].astype(int)
    changed = np.abs(last - first).sum(-1) > 200
    near_first = changed & (np.abs(first - colour).sum(-1) < 60)
    near_last = changed & (np.abs(last - colour).sum(-1) < 60)
    rows = np.arange(frames.shape[1])[:, None]
    return ((near_first * rows).sum() / max(near_first.sum(), 1),
            (near_last * rows).sum() / max(near_last.sum(), 1),
            near_first.sum() + near_last.sum())


def test_writes_lists_and_videos_of_four_classes(tmp_path):
    out = str(tmp_path / 'mine')
    assert main([out, '--per-class', '2', '--size', '64', '--frames',
                 '24']) == 0
    for split, per_class in (('train', 2), ('val', 1)):
        with open(osp.join(out, f'{split}.txt')) as file:
            lines = [line.split() for line in file.read().splitlines()]
        assert [int(label) for _, label in lines] == sorted(
            list(range(4)) * per_class)
        for video, label in lines:
            reader = decord.VideoReader(osp.join(out, 'videos', video))
            frames = reader.get_batch(list(range(len(reader)))).asnumpy()
            assert frames.shape == (24, 64, 64, 3)
            label = int(label)
            start, end, count = square(frames, COLOURS[label // 2])
            *_, other = square(frames, COLOURS[1 - label // 2])
            assert count >= 40 and other <= count / 10  # its colour
            # even labels move up (rows fall), odd ones down
            assert (end < start - 5) if label % 2 == 0 else (end > start + 5)


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        main([str(tmp_path), '--size', '16'])
