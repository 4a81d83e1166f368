import os
import os.path as osp

import av
import numpy as np

from tools.prepare_videos import main, scaled_size

from ..conftest import write_video


def keyframes(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        flags = [packet.is_keyframe for packet in container.demux(stream)
                 if packet.size]
    return [index for index, key in enumerate(flags) if key], len(flags)


def test_scaled_size_keeps_the_aspect_and_never_enlarges():
    assert scaled_size(1920, 1080, 320) == (568, 320)
    assert scaled_size(56, 40, 32) == (44, 32)
    assert scaled_size(340, 256, 320) == (340, 256)


def test_prepares_lists_resumes_and_names_failures(tmp_path, rng, capsys):
    src = tmp_path / 'src'
    (src / 'k400').mkdir(parents=True)
    write_video(str(src / 'k400' / 'a.mp4'),
                rng.integers(0, 256, (37, 40, 56, 3), dtype=np.uint8))
    # the same stem in another container: both kept
    write_video(str(src / 'k400' / 'a.avi'),
                rng.integers(0, 256, (20, 40, 56, 3), dtype=np.uint8))
    (src / 'k400' / 'broken.mp4').write_bytes(b'not a video')
    listed = tmp_path / 'train.txt'
    listed.write_text('k400/a.mp4 3\nk400/broken.mp4 1\nk400/a.avi 5\n')
    out = tmp_path / 'out'
    args = [str(src), str(out), '--list', str(listed), '--short-side', '32',
            '--gop', '4', '--workers', '2']
    assert main(args) == 1  # one video failed
    text = capsys.readouterr().out
    assert '2 prepared, 0 already there, 1 failed, of 3 videos' in text
    assert 'failed: ' + str(src / 'k400' / 'broken.mp4') in text
    # the list in input order with the labels, the failure left out
    assert (out / 'videos.txt').read_text() == \
        'k400/a.mp4 3\nk400/a_avi.mp4 5\n'
    import decord
    video = decord.VideoReader(str(out / 'k400' / 'a.mp4'))
    assert len(video) == 37 and video[0].shape == (32, 44, 3)
    assert len(decord.VideoReader(str(out / 'k400' / 'a_avi.mp4'))) == 20
    found, count = keyframes(str(out / 'k400' / 'a.mp4'))
    assert count == 37 and found == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]
    # nothing partial is left, under a final name or another
    assert sorted(os.listdir(out / 'k400')) == ['a.mp4', 'a_avi.mp4']
    before = osp.getmtime(out / 'k400' / 'a.mp4')
    assert main(args) == 1
    assert '0 prepared, 2 already there, 1 failed' in capsys.readouterr().out
    assert osp.getmtime(out / 'k400' / 'a.mp4') == before  # skipped


def test_a_folder_and_clashing_names(tmp_path, rng, capsys):
    src = tmp_path / 'src'
    src.mkdir()
    frames = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    write_video(str(src / 'x.mp4'), frames)
    out = tmp_path / 'out'
    assert main([str(src), str(out), '--workers', '1']) == 0
    assert (out / 'videos.txt').read_text() == 'x.mp4 0\n'
    write_video(str(src / 'x_avi.mp4'), frames)
    write_video(str(src / 'x.avi'), frames)
    try:
        main([str(src), str(out)])
    except SystemExit as error:
        assert 'x.avi and x_avi.mp4 would both be written to x_avi.mp4' \
            in str(error) or 'x_avi.mp4 and x.avi would both' in str(error)
    else:
        raise AssertionError('a clash of output names was not refused')
