"""The feature cache: views and their mirror images in order, failures as
NaN rows in the manifest, reuse only for the same producer and a complete
folder."""
import json
import os

import numpy as np
import pytest
import torch

from smile_mm.evaluation.feature_cache import (FEATURES, MANIFEST,
                                               extract_features, load_cache)


class Clips(torch.utils.data.Dataset):
    """Packed samples of 2 views, [2, 1, 1, 1, W]: column w holds
    index * 100 + view * 10 + w; sample 3 cannot be read."""

    def __init__(self, count=5, bad=(3, )):
        self.count, self.bad = count, bad

    def __len__(self):
        return self.count

    def get_data_info(self, index):
        return dict(filename=f'v{index}.mp4', label=index % 2)

    def prepare_data(self, index):
        if index in self.bad:
            raise RuntimeError(f'cannot load v{index}.mp4')
        views = torch.stack([
            index * 100 + view * 10 + torch.arange(4.0).view(1, 1, 1, 4)
            for view in range(2)])
        return dict(inputs=views, data_samples=None)


def first_column(samples):
    """[B * V, 1] features: each view's first column."""
    return torch.cat([s['inputs'][:, 0, 0, 0, :1] for s in samples])


def test_views_flips_and_failures(tmp_path):
    wanted = dict(checkpoint_sha256='abc', dataset='clips')
    features, labels, manifest = extract_features(
        first_column, Clips(), str(tmp_path), wanted, flip=True,
        batch_size=2)
    assert features.shape == (5, 4, 1)
    np.testing.assert_array_equal(labels, [0, 1, 0, 1, 0])
    # the two views, then their mirror images (last column first)
    np.testing.assert_array_equal(features[4, :, 0], [400, 410, 403, 413])
    assert np.isnan(features[3]).all()
    assert list(manifest['failed']) == ['3']
    assert 'v3.mp4' in manifest['failed']['3']
    assert load_cache(str(tmp_path), wanted) is not None
    assert load_cache(str(tmp_path), dict(wanted, dataset='other')) is None
    # a features file that lost its end is not a cache
    with open(tmp_path / FEATURES, 'r+b') as file:
        file.truncate(os.path.getsize(tmp_path / FEATURES) - 4)
    assert load_cache(str(tmp_path), wanted) is None


def test_a_manifest_of_the_older_layout_is_made_again(tmp_path):
    """Before the arrays' record: one ``shape``, that of the features."""
    wanted = dict(dataset='clips')
    extract_features(first_column, Clips(), str(tmp_path), wanted)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    del manifest['arrays']
    (tmp_path / MANIFEST).write_text(json.dumps(dict(manifest,
                                                     shape=[5, 2, 1])))
    assert load_cache(str(tmp_path), wanted) is None
    features, _, _ = extract_features(first_column, Clips(), str(tmp_path),
                                      wanted)
    assert features.shape == (5, 2, 1)
    assert load_cache(str(tmp_path), wanted) is not None


def test_nothing_readable_is_an_error_and_leaves_no_cache(tmp_path):
    with pytest.raises(RuntimeError, match='none of the 2 videos'):
        extract_features(first_column, Clips(2, bad=(0, 1)), str(tmp_path),
                         {})
    assert os.listdir(tmp_path) == []


def test_multi_label_videos_are_refused(tmp_path):
    class MultiLabel(Clips):
        def get_data_info(self, index):
            return dict(filename='v.mp4', label=[0, 1])

    with pytest.raises(ValueError, match='one class per video'):
        extract_features(first_column, MultiLabel(), str(tmp_path), {})
