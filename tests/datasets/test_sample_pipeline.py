"""SkipUnreadable and MultipleClips, through TolerantVideoDataset, which
puts them around its pipeline, and around a stock mmaction2 VideoDataset;
SeededSamples is tested in test_seeded_sampler.py."""
import logging

import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

from smile_mm.datasets import (MultipleClips, SkipUnreadable,
                               TolerantVideoDataset)

from ..conftest import sample_label, write_video


@TRANSFORMS.register_module(force=True)
class BrokenTransformForTest(BaseTransform):
    """Stands for a bug in a non-loading transform."""

    def transform(self, results):
        raise ZeroDivisionError('a bug')


@pytest.fixture
def log_lines():
    """Messages that smile_mm prints through mmengine's current logger."""
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.fixture
def videos(tmp_path, rng):
    """4 good videos, one corrupt file and one missing file."""
    root = tmp_path / 'videos'
    root.mkdir()
    lines = []
    for index in range(4):
        frames = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
        write_video(str(root / f'good{index}.mp4'), frames)
        lines.append(f'good{index}.mp4 {index}')
    (root / 'corrupt.mp4').write_bytes(b'\x00' * 2048)
    lines += ['corrupt.mp4 0', 'missing.mp4 1']
    ann = tmp_path / 'train.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return str(ann), str(root)


def pipeline(extra=()):
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
        dict(type='DecordDecode'),
        *extra,
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]


def build(videos, **kwargs):
    init_default_scope('mmaction')
    ann, root = videos
    return TolerantVideoDataset(ann_file=ann, data_prefix=dict(video=root),
                                pipeline=pipeline(kwargs.pop('extra', ())),
                                **kwargs)


def test_unreadable_videos_are_skipped_counted_and_named(videos, log_lines):
    dataset = build(videos, max_failure_ratio=0.5)
    np.random.seed(0)
    labels = []
    for index in range(len(dataset)):
        sample = dataset[index]  # failures are replaced by other samples
        labels.append(int(sample_label(sample['data_samples'])))
        assert tuple(sample['inputs'].shape) == (1, 3, 4, 32, 32)
    assert dataset.num_failed == 2
    text = '\n'.join(log_lines)
    assert 'skipped unreadable' in text
    assert 'corrupt.mp4' in text and 'missing.mp4' in text
    assert '2 of 6 samples failed so far' in text
    assert labels[:4] == [0, 1, 2, 3]
    # a known failure is not decoded (or reported) again
    del log_lines[:]
    assert dataset.prepare_data(4) is None
    assert not log_lines
    assert dataset.num_failed == 2


def test_too_many_failures_stop_with_the_files(videos):
    # 1.2 of 6 allowed: the missing file, found at build, is tolerated
    dataset = build(videos, max_failure_ratio=0.2)
    assert dataset.num_failed == 1
    assert dataset.prepare_data(5) is None  # not opened again
    with pytest.raises(RuntimeError) as info:
        dataset.prepare_data(4)
    message = str(info.value)
    assert '2 of 6 samples (33.3%) could not be loaded' in message
    assert 'corrupt.mp4' in message and 'missing.mp4' in message


def test_missing_files_are_all_named_at_build(tmp_path, videos, log_lines):
    ann, root = videos
    lines = open(ann).read().splitlines()
    lines += [f'gone{index}.mp4 0' for index in range(3)]
    many = tmp_path / 'many.txt'
    many.write_text('\n'.join(lines) + '\n')
    with pytest.raises(FileNotFoundError) as info:
        build((str(many), root), max_failure_ratio=0.3)  # 2.7 of 9
    message = str(info.value)
    assert '4 of 9 files listed in' in message
    assert all(name in message for name in
               ('missing.mp4', 'gone0.mp4', 'gone1.mp4', 'gone2.mp4'))
    assert 'data_prefix' in message
    dataset = build((str(many), root), max_failure_ratio=0.5)
    assert dataset.num_failed == 4
    warning = [line for line in log_lines if 'do not exist' in line]
    assert len(warning) == 1 and 'gone2.mp4' in warning[0]
    # the look can be skipped: failures are then met one at a time
    assert build((str(many), root), max_failure_ratio=0.5,
                 check_files=False).num_failed == 0


def test_test_mode_failure_is_an_error(videos):
    with pytest.raises(FileNotFoundError,
                       match='evaluation sets must be complete'):
        build(videos, test_mode=True)
    ann, root = videos
    lines = open(ann).read().splitlines()
    with open(ann, 'w') as file:
        file.write('\n'.join(line for line in lines
                             if 'missing' not in line) + '\n')
    dataset = build(videos, test_mode=True)
    with pytest.raises(RuntimeError, match='cannot load .*corrupt.mp4'):
        dataset[4]


def test_bugs_in_other_transforms_are_not_swallowed(videos):
    dataset = build(videos, extra=[dict(type='BrokenTransformForTest')],
                    max_failure_ratio=0.5)
    with pytest.raises(ZeroDivisionError, match='a bug'):
        dataset[0]
    assert dataset.num_failed == 1  # the missing file, found at build


def test_failures_are_counted_across_loader_workers(videos):
    dataset = build(videos, max_failure_ratio=0.5)
    loader = DataLoader(dataset, batch_size=1, num_workers=2,
                        collate_fn=lambda batch: batch,
                        sampler=list(range(len(dataset))))
    assert len(list(loader)) == 6
    assert dataset.num_failed == 2  # seen from the main process
    assert torch.equal(dataset.pipeline.failed,
                       torch.tensor([0, 0, 0, 0, 1, 1], dtype=torch.bool))


def test_pipeline_order_is_checked_at_build(videos):
    extra = [dict(type='SyntheticMotionOverlay',
                  motion=dict(size_range=(4, 8))),
             dict(type='Flip', flip_ratio=0.5)]
    with pytest.raises(ValueError, match='Flip \\(step 4\\) comes after '
                       'SyntheticMotionOverlay \\(step 3\\)'):
        build(videos, extra=extra)
    extra = [dict(type='TubeTrajectoryMaskGenerator', input_size=(4, 32, 32)),
             dict(type='SyntheticMotionOverlay',
                  motion=dict(size_range=(4, 8)))]
    with pytest.raises(ValueError, match='comes before'):
        build(videos, extra=extra)
    extra = [dict(type='SyntheticMotionOverlay'),
             dict(type='TubeTrajectoryMaskGenerator', input_size=(4, 32, 32))]
    with pytest.raises(ValueError, match='objects up to 128 px'):
        build(videos, extra=extra)
    with pytest.raises(ValueError, match='max_failure_ratio'):
        build(videos, max_failure_ratio=1.0)


def test_multiple_sampling_decodes_once_and_draws_separate_clips(
        videos, monkeypatch):
    from mmaction.datasets.transforms import DecordDecode
    from mmaction.datasets import repeat_pseudo_collate
    calls = []
    original = DecordDecode.transform
    monkeypatch.setattr(DecordDecode, 'transform',
                        lambda self, r: calls.append(1) or original(self, r))
    extra = [dict(type='SyntheticMotionOverlay',
                  motion=dict(size_range=(4, 12))),
             dict(type='TubeTrajectoryMaskGenerator', input_size=(4, 32, 32))]
    pipeline_cfg = pipeline(extra)
    pipeline_cfg[-1] = dict(type='PackActionInputs', algorithm_keys=('mask',))
    init_default_scope('mmaction')
    ann, root = videos
    dataset = TolerantVideoDataset(ann_file=ann, data_prefix=dict(video=root),
                                   pipeline=pipeline_cfg, clips_per_video=3,
                                   max_failure_ratio=0.5)
    np.random.seed(0)
    clips = dataset.prepare_data(0)
    assert len(calls) == 1  # one decode for three clips
    assert len(clips) == 3
    masks = [c['data_samples'].mask for c in clips]
    assert not torch.equal(masks[0], masks[1])  # each its own mask
    batch = repeat_pseudo_collate([clips, dataset.prepare_data(1)])
    assert len(batch['inputs']) == 6
    assert tuple(batch['inputs'][0].shape) == (1, 3, 4, 32, 32)
    # an unreadable video is skipped as a whole (beside the missing file,
    # found at build)
    assert dataset.prepare_data(4) is None and dataset.num_failed == 2


def test_multiple_sampling_needs_reader_sampler_decoder(videos):
    bad = [dict(type='DecordInit'), dict(type='DecordDecode'),
           dict(type='FormatShape', input_format='NCTHW'),
           dict(type='PackActionInputs')]
    init_default_scope('mmaction')
    ann, root = videos
    with pytest.raises(ValueError, match='starts with a video reader, '
                       'SampleFrames and the decoder'):
        TolerantVideoDataset(ann_file=ann, data_prefix=dict(video=root),
                             pipeline=bad, clips_per_video=2)
    two_clips = pipeline()
    two_clips[1] = dict(type='SampleFrames', clip_len=4, num_clips=2)
    with pytest.raises(ValueError, match='num_clips=1'):
        TolerantVideoDataset(ann_file=ann, data_prefix=dict(video=root),
                             pipeline=two_clips, clips_per_video=2)


def two_clip_dataset(tmp_path, rng, **kwargs):
    frames = rng.integers(0, 256, (80, 32, 32, 3), dtype=np.uint8)
    write_video(str(tmp_path / 'long.mp4'), frames)
    (tmp_path / 'list.txt').write_text('long.mp4 0\n')
    init_default_scope('mmaction')
    return TolerantVideoDataset(
        ann_file=str(tmp_path / 'list.txt'),
        data_prefix=dict(video=str(tmp_path)),
        pipeline=[dict(type='DecordInit'),
                  dict(type='SampleFrames', clip_len=4, frame_interval=2,
                       num_clips=1),
                  dict(type='DecordDecode')],
        clips_per_video=2, **kwargs)


def test_clips_of_a_video_decode_in_one_ordered_pass(tmp_path, rng,
                                                     monkeypatch):
    import decord
    from mmaction.datasets.transforms import DecordDecode
    asked = []
    original = DecordDecode.transform
    monkeypatch.setattr(DecordDecode, 'transform', lambda self, r: asked.append(
        r['frame_inds'].copy()) or original(self, r))
    dataset = two_clip_dataset(tmp_path, rng)
    reader = decord.VideoReader(str(tmp_path / 'long.mp4'))
    np.random.seed(3)
    for _ in range(6):
        clips = dataset.prepare_data(0)
        inds = asked.pop()
        assert np.all(np.diff(inds) > 0)  # ascending, each frame once
        assert sorted(set(np.concatenate([c['frame_inds'] for c in clips]))
                      ) == list(inds)
        for clip in clips:  # each clip still gets its own frames, in order
            expected = reader.get_batch(list(clip['frame_inds'])).asnumpy()
            assert np.array_equal(np.stack(clip['imgs']), expected)


def test_clip_window_keeps_further_clips_near_the_first(tmp_path, rng):
    near = two_clip_dataset(tmp_path, rng, clip_window=5)
    np.random.seed(0)
    shifts = []
    for _ in range(40):
        first, second = (c['frame_inds'] for c in near.prepare_data(0))
        assert np.array_equal(np.diff(first), np.diff(second))
        assert 0 <= second.min() and second.max() <= 79
        shifts.append(int(second[0] - first[0]))
    assert max(map(abs, shifts)) <= 5 and len(set(shifts)) > 3
    free = two_clip_dataset(tmp_path, rng)
    far = [abs(int(a['frame_inds'][0] - b['frame_inds'][0]))
           for a, b in (free.prepare_data(0) for _ in range(40))]
    assert max(far) > 5  # independent clips spread over the video
    with pytest.raises(ValueError, match='clip_window must be None'):
        two_clip_dataset(tmp_path, rng, clip_window=-1)


def test_clips_sharing_frames_do_not_share_arrays(tmp_path, rng):
    dataset = two_clip_dataset(tmp_path, rng, clip_window=0)  # same frames
    np.random.seed(1)
    first, second = dataset.prepare_data(0)
    assert np.array_equal(first['frame_inds'], second['frame_inds'])
    first['imgs'][0][:] = 0  # an in-place transform on one clip
    assert second['imgs'][0].any()


def test_the_parts_compose_with_a_stock_video_dataset(videos, log_lines):
    from mmaction.datasets import VideoDataset
    ann, root = videos
    init_default_scope('mmaction')
    dataset = VideoDataset(ann, pipeline(), data_prefix=dict(video=root))
    dataset.pipeline = SkipUnreadable(MultipleClips(dataset.pipeline, 2),
                                      dataset, max_failure_ratio=0.5)
    assert dataset.pipeline.num_failed == 1  # missing.mp4, at build
    assert len(dataset[0]) == 2  # two clips of one decoded video
    # the corrupt video: skipped, counted, and mmengine draws another
    clips = dataset[4]
    assert len(clips) == 2 and clips[0]['inputs'].shape == (1, 3, 4, 32, 32)
    assert dataset.pipeline.num_failed == 2
    assert any('skipped unreadable' in line and 'corrupt.mp4' in line
               for line in log_lines)
