import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from smile_mm.datasets import LoadStaticClip, StaticClipDataset

from ..conftest import write_video


def loader_only(clip_len=8):
    return [dict(type='LoadStaticClip', clip_len=clip_len)]


def test_black_and_noise_need_no_files():
    black = StaticClipDataset(loader_only(), background='black',
                              num_samples=3, frame_size=(40, 50))
    assert len(black) == 3
    clip = np.stack(black[0]['imgs'])
    assert clip.shape == (8, 40, 50, 3) and not clip.any()
    noise = StaticClipDataset(loader_only(), background='noise',
                              num_samples=2, frame_size=(40, 50))
    np.random.seed(0)
    first = noise[0]['imgs']
    assert first[0].std() > 50  # uniform noise
    assert all(np.array_equal(f, first[0]) for f in first)  # static
    assert not np.array_equal(noise[1]['imgs'][0], first[0])


def test_frames_are_separate_arrays():
    results = LoadStaticClip(clip_len=4)(
        dict(background='black', frame_size=(8, 8)))
    frames = results['imgs']
    frames[0][:] = 255  # an in-place transform (Flip) touches one frame only
    assert not frames[1].any()
    assert results['num_clips'] == 1 and results['clip_len'] == 4
    np.testing.assert_array_equal(results['frame_inds'], np.arange(4))


def test_scene_images_from_folder_and_ann_file(tmp_path):
    folder = tmp_path / 'places' / 'a'
    folder.mkdir(parents=True)
    for index, colour in enumerate(((255, 0, 0), (0, 255, 0))):
        image = np.zeros((30, 40, 3), np.uint8)
        image[:] = colour
        cv2.imwrite(str(folder / f'{index}.png'),
                    cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    dataset = StaticClipDataset(
        loader_only(), background='image',
        data_prefix=dict(img=str(tmp_path / 'places')))
    assert len(dataset) == 2
    first = np.stack(dataset[0]['imgs'])
    assert first.shape == (8, 30, 40, 3)
    assert (first[..., 0] == 255).all() and not first[..., 1].any()  # RGB
    ann = tmp_path / 'list.txt'
    ann.write_text('a/1.png 3\n')
    listed = StaticClipDataset(loader_only(), background='image',
                               ann_file=str(ann),
                               data_prefix=dict(img=str(tmp_path / 'places')))
    assert len(listed) == 1 and (listed[0]['imgs'][0][..., 1] == 255).all()


def test_one_frame_of_a_video(tmp_path):
    frames = np.zeros((10, 48, 64, 3), np.uint8)
    frames[:, :, :, 0] = (np.arange(10) * 25)[:, None, None]
    write_video(str(tmp_path / 'v.mp4'), frames)
    dataset = StaticClipDataset(
        [dict(type='LoadStaticClip', clip_len=6, frame_index='middle')],
        background='video_frame', data_prefix=dict(video=str(tmp_path)))
    results = dataset[0]
    assert results['background_frame'] == 5
    clip = np.stack(results['imgs'])
    assert clip.shape == (6, 48, 64, 3)
    assert abs(int(clip[..., 0].mean()) - 125) <= 6  # frame 5 of the ramp
    assert (clip == clip[0]).all()


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(background='noise'), ValueError, 'num_samples'),
    (dict(background='sky', num_samples=1), ValueError, 'background'),
    (dict(background='image', data_prefix=dict(img='/nonexistent/places')),
     FileNotFoundError, '/nonexistent/places'),
    (dict(background='video_frame', data_prefix=dict(img='x')), ValueError,
     "data_prefix\\['video'\\]"),
])
def test_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        StaticClipDataset(loader_only(), **kwargs)


def test_full_smile_pipeline_from_registry():
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    dataset = DATASETS.build(dict(
        type='StaticClipDataset', background='noise', num_samples=2,
        frame_size=(64, 80),
        pipeline=[
            dict(type='LoadStaticClip', clip_len=4),
            dict(type='Resize', scale=(64, 64), keep_ratio=False),
            dict(type='SyntheticMotionOverlay',
                 motion=dict(size_range=(8, 24))),
            dict(type='TubeTrajectoryMaskGenerator', input_size=(4, 64, 64)),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs', algorithm_keys=('mask', )),
        ]))
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 3, 4, 64, 64)
    assert tuple(sample['data_samples'].mask.shape) == (2, 4, 4)
    assert int(sample['data_samples'].mask.sum()) == 2 * int(0.8 * 16)
