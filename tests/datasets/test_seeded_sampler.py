import numpy as np

from smile_mm.datasets import SeededSampler, StaticClipDataset, sample_seed


class Sized:
    def __len__(self):
        return 10


def test_seeds_depend_on_seed_epoch_and_index_only():
    sampler = SeededSampler(Sized(), shuffle=True, seed=3)
    first = list(sampler)
    assert sorted(i for i, _ in first) == list(range(10))
    assert all(s == sample_seed(3, 0, i) for i, s in first)
    assert list(SeededSampler(Sized(), shuffle=True, seed=3)) == first
    sampler.set_epoch(1)
    second = dict(list(sampler))
    assert all(second[i] != s for i, s in first)  # new epoch, new seeds
    assert len({s for _, s in first}) == 10


def test_datasets_seed_the_pipeline_from_the_pair():
    dataset = StaticClipDataset([dict(type='LoadStaticClip', clip_len=2)],
                                background='noise', num_samples=4,
                                frame_size=(8, 8))
    np.random.seed(0)
    a = dataset[(1, 77)]['imgs'][0]
    np.random.seed(1)  # the global state does not matter
    b = dataset[(1, 77)]['imgs'][0]
    c = dataset[(1, 78)]['imgs'][0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
