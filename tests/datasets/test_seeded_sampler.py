"""SeededSampler yields DefaultSampler's plain indices and seeds every
sample from (seed, epoch, index), in smile_mm's datasets, in mmaction2's,
and in mmengine's wrappers of them."""
import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from smile_mm.datasets import (SeededSampler, SeededSamples,
                               StaticClipDataset, sample_seed)


def noise_dataset(num_samples=4):
    return StaticClipDataset([dict(type='LoadStaticClip', clip_len=2)],
                             background='noise', num_samples=num_samples,
                             frame_size=(8, 8))


def test_indices_are_those_of_the_default_sampler():
    dataset = noise_dataset(10)
    for epoch in (0, 3):
        seeded = SeededSampler(dataset, shuffle=True, seed=3)
        default = DefaultSampler(dataset, shuffle=True, seed=3)
        seeded.set_epoch(epoch)
        default.set_epoch(epoch)
        indices = list(seeded)
        assert indices == list(default)
        assert all(type(index) is int for index in indices)
        assert sorted(indices) == list(range(10))


def test_a_sample_depends_on_seed_epoch_and_index_only():
    dataset = noise_dataset()
    sampler = SeededSampler(dataset, shuffle=True, seed=77)
    list(sampler)  # publishes (77, epoch 0)
    np.random.seed(0)
    a = dataset[1]['imgs'][0]
    np.random.seed(1)  # the global state does not matter
    b = dataset[1]['imgs'][0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, dataset[2]['imgs'][0])
    # the seed is the published function of (seed, epoch, index)
    np.random.seed(sample_seed(77, 0, 1))
    expected = np.random.randint(0, 256, (8, 8, 3), dtype=np.uint8)
    np.testing.assert_array_equal(dataset[1]['imgs'][0], expected)
    # every sample of the epoch: its own seed, all different
    images = []
    for index in range(len(dataset)):
        np.random.seed(sample_seed(77, 0, index))
        expected = np.random.randint(0, 256, (8, 8, 3), dtype=np.uint8)
        images.append(dataset[index]['imgs'][0])
        np.testing.assert_array_equal(images[-1], expected)
    assert len({image.tobytes() for image in images}) == len(dataset)
    sampler.set_epoch(1)
    list(sampler)
    assert not np.array_equal(a, dataset[1]['imgs'][0])  # new epoch


def test_unseeded_until_a_sampler_publishes():
    dataset = noise_dataset()
    np.random.seed(5)
    a = dataset[1]['imgs'][0]
    np.random.seed(6)
    assert not np.array_equal(a, dataset[1]['imgs'][0])
    np.random.seed(5)
    np.testing.assert_array_equal(a, dataset[1]['imgs'][0])


def test_a_dataset_that_cannot_be_seeded_is_named_with_the_fix():
    with pytest.raises(TypeError, match=r"samples of list: it is not an "
                       r"mmengine BaseDataset.*DefaultSampler"):
        SeededSampler(list(range(4)), shuffle=False)


def write_videos(folder, count=4):
    import cv2
    lines = []
    for i in range(count):
        path = folder / f'v{i}.avi'
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'),
                                 10, (40, 32))
        for t in range(12):
            writer.write(np.full((32, 40, 3), 20 * i + t, np.uint8))
        writer.release()
        lines.append(f'{path.name} {i % 2}')
    (folder / 'list.txt').write_text('\n'.join(lines) + '\n')


def stock_video_loader(folder, num_workers):
    """mmaction's own VideoDataset, with random crops and flips."""
    return dict(
        batch_size=2, num_workers=num_workers,
        sampler=dict(type='SeededSampler', shuffle=True),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(
            type='VideoDataset', ann_file=str(folder / 'list.txt'),
            data_prefix=dict(video=str(folder)),
            pipeline=[
                dict(type='OpenCVInit'),
                dict(type='SampleFrames', clip_len=3, frame_interval=1,
                     num_clips=1),
                dict(type='OpenCVDecode'),
                dict(type='RandomResizedCrop'),
                dict(type='Resize', scale=(16, 16), keep_ratio=False),
                dict(type='Flip', flip_ratio=0.5),
                dict(type='FormatShape', input_format='NCTHW'),
                dict(type='PackActionInputs', meta_keys=('frame_inds',
                                                         'flip')),
            ]))


def epoch_batches(folder, num_workers, seed, epoch=0):
    init_default_scope('mmaction')
    loader = Runner.build_dataloader(stock_video_loader(folder, num_workers),
                                     seed=seed)
    loader.sampler.set_epoch(epoch)
    inputs, frames = [], []
    for batch in loader:
        inputs += batch['inputs']
        frames += [tuple(s.frame_inds) for s in batch['data_samples']]
    return torch.stack(inputs), frames


def test_a_stock_video_dataset_is_seeded(tmp_path):
    write_videos(tmp_path)
    inputs, frames = epoch_batches(tmp_path, 0, seed=1)
    assert inputs.shape == (4, 1, 3, 3, 16, 16)
    # the same samples in one process and in two workers
    in_workers, frames_in_workers = epoch_batches(tmp_path, 2, seed=1)
    assert torch.equal(inputs, in_workers) and frames == frames_in_workers
    # and not the same under another seed or in another epoch
    assert not torch.equal(inputs, epoch_batches(tmp_path, 0, seed=2)[0])
    assert not torch.equal(inputs,
                           epoch_batches(tmp_path, 0, seed=1, epoch=1)[0])


def test_the_seeded_dataset_keeps_what_evaluators_and_tools_read(
        tmp_path):
    write_videos(tmp_path)
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    config = dict(stock_video_loader(tmp_path, 0)['dataset'],
                  metainfo=dict(classes=('left', 'right')))
    dataset = DATASETS.build(config)
    transforms = list(dataset.pipeline.transforms)
    SeededSampler(dataset, shuffle=False, seed=0)
    assert isinstance(dataset.pipeline, SeededSamples)
    assert dataset.pipeline.transforms == transforms
    assert len(dataset) == 4 and dataset.get_data_info(2)['label'] == 0
    assert dataset.metainfo['classes'] == ('left', 'right')
    assert dataset.prepare_data(1)['inputs'].shape == (1, 3, 3, 16, 16)
    # a second sampler on the same dataset seeds it once
    SeededSampler(dataset, shuffle=False, seed=0)
    assert not isinstance(dataset.pipeline.pipeline, SeededSamples)


def test_the_parts_of_a_concatenation_are_seeded_apart():
    from mmengine.dataset import ConcatDataset, RepeatDataset
    first, second = noise_dataset(), noise_dataset()
    both = ConcatDataset([first, second])
    SeededSampler(both, shuffle=False, seed=5)
    assert [type(d.pipeline) for d in (first, second)] == [SeededSamples] * 2
    # index 1 of each part: apart, the second salted with its position
    assert not np.array_equal(both[1]['imgs'][0], both[5]['imgs'][0])
    np.random.seed(sample_seed(5, 0, 1, salt=1))
    expected = np.random.randint(0, 256, (8, 8, 3), dtype=np.uint8)
    np.testing.assert_array_equal(both[5]['imgs'][0], expected)


def test_datasets_that_would_be_seeded_wrongly_are_refused(tmp_path):
    from mmaction.datasets import RepeatAugDataset
    from mmengine.dataset import ClassBalancedDataset, RepeatDataset
    # one sample several times an epoch: every repeat would be alike
    for wrapper in (RepeatDataset(noise_dataset(), times=2),
                    ClassBalancedDataset(noise_dataset(), 0.5,
                                         lazy_init=True)):
        name = type(wrapper).__name__
        with pytest.raises(TypeError, match=f'samples of {name}: it may '
                           'show a sample .* alike'):
            SeededSampler(wrapper, shuffle=False)
    # transforms run one by one, not through the pipeline
    write_videos(tmp_path)
    init_default_scope('mmaction')
    loader = stock_video_loader(tmp_path, 0)['dataset']
    pipeline = [dict(type='DecordInit'), *loader['pipeline'][1:2],
                dict(type='DecordDecode'), *loader['pipeline'][3:]]
    repeated = RepeatAugDataset(loader['ann_file'], pipeline,
                                data_prefix=loader['data_prefix'])
    with pytest.raises(TypeError, match=r'RepeatAugDataset: it runs its '
                       r'transforms itself .*clips_per_video'):
        SeededSampler(repeated, shuffle=False)


def test_a_refetch_goes_on_with_the_failed_samples_generators():
    calls = []

    def pipeline(info):
        calls.append(np.random.randint(1 << 30))
        return None if info['sample_idx'] == 5 else info

    part = SeededSamples(pipeline)
    part.publish(3, 0)
    # 5 gives None and mmengine draws 8; then the next sample, 7
    for index in (5, 8, 7):
        part(dict(sample_idx=index))
    stream = np.random.RandomState(sample_seed(3, 0, 5))
    assert calls[:2] == [stream.randint(1 << 30), stream.randint(1 << 30)]
    assert calls[2] == np.random.RandomState(sample_seed(3, 0, 7)).randint(
        1 << 30)


def test_a_missing_file_whose_refetch_draws_itself_is_left(tmp_path):
    """Seeded from its own index on every try, a failed sample whose seed
    draws its own index again would be fetched until mmengine gives up."""
    import cv2
    size = 20
    seed, missing = next(
        (seed, index) for seed in range(1000) for index in range(size)
        if np.random.RandomState(sample_seed(seed, 0, index)).randint(
            0, size) == index)
    names = []
    for index in range(size):
        names.append(f'{index:02d}.png')
        if index != missing:
            cv2.imwrite(str(tmp_path / names[-1]),
                        np.full((8, 8, 3), index, np.uint8))
    (tmp_path / 'list.txt').write_text('\n'.join(names) + '\n')
    dataset = StaticClipDataset(
        [dict(type='LoadStaticClip', clip_len=2)], background='image',
        ann_file=str(tmp_path / 'list.txt'),
        data_prefix=dict(img=str(tmp_path)),
        max_failure_ratio=0.1)
    dataset.max_refetch = 50
    SeededSampler(dataset, shuffle=True, seed=seed)
    assert dataset.num_failed == 1
    assert dataset[missing]['filename'] != str(tmp_path / names[missing])


def test_smile_mm_datasets_take_the_default_sampler(tmp_path):
    init_default_scope('mmaction')
    loader = Runner.build_dataloader(dict(
        batch_size=2, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='StaticClipDataset', background='noise',
                     num_samples=5, frame_size=(8, 8),
                     pipeline=[dict(type='LoadStaticClip', clip_len=2),
                               dict(type='FormatShape', input_format='NCTHW'),
                               dict(type='PackActionInputs')])), seed=0)
    shapes = [tuple(x.shape) for batch in loader for x in batch['inputs']]
    assert shapes == [(1, 3, 2, 8, 8)] * 5
