import json
import os
import pathlib
import pickle
import warnings

import numpy as np
import pytest

from smile_mm.datasets import ObjectBank
from smile_mm.datasets.objects.object_cache import (bank_entry,
                                                    default_cache_dir)

from ...conftest import write_rgba
from .test_object_bank import rect_rgba

SETTINGS = dict(source='rgba', max_side=128)
BANK = dict(source='rgba', max_side=128, min_alpha_pixels=16,
            skip_invalid=False)  # what ObjectBank('rgba', ...) records


def one_object_folder(tmp_path):
    path = write_rgba(str(tmp_path / 'objects' / 'dog' / 'a.png'),
                      rect_rgba(10, 20))
    return str(tmp_path / 'objects'), path


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('SMILE_MM_CACHE', str(tmp_path))
    assert default_cache_dir() == str(tmp_path / 'object_banks')


def test_the_entry_changes_with_every_input(tmp_path):
    root, path = one_object_folder(tmp_path)

    def key(paths, settings=SETTINGS):
        cache, made = bank_entry('cache', root, paths, settings)
        assert made['root'] == os.path.abspath(root)
        return os.path.basename(cache.record)

    first = key([path])
    assert len(first) == len('0123456789abcdef0123.json')
    assert first == key([path])
    assert first != key([path], dict(SETTINGS, max_side=64))
    missing = os.path.join(root, 'dog', 'mask.png')
    assert first != key([path, missing])
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = key([path])
    assert touched != first
    write_rgba(path, rect_rgba(12, 20))
    assert key([path]) not in (first, touched)


def cached_bank(tmp_path):
    """A one-object bank written to its cache, and its entry."""
    root, path = one_object_folder(tmp_path)
    bank = ObjectBank('rgba', root=root, cache_dir=str(tmp_path / 'cache'))
    return bank, bank_entry(str(tmp_path / 'cache'), root, [path], BANK)


def test_a_bank_is_mapped_from_what_it_wrote(tmp_path):
    first, (cache, made) = cached_bank(tmp_path)
    key = os.path.basename(cache.record)[:-len('.json')]
    assert sorted(os.listdir(tmp_path / 'cache')) == [f'{key}.json',
                                                      f'{key}.npy']
    arrays, record = cache.read(made)
    assert record['names'] == first.names == ['dog/a.png']
    assert record['categories'] == first.categories == ['dog']
    assert arrays['pixels'].shape == (1, 128, 128, 4)
    bank = ObjectBank('rgba', root=first.root,
                      cache_dir=str(tmp_path / 'cache'))
    assert bank._pixels is None  # mapped, not decoded
    assert bank.names == first.names and bank.categories == first.categories
    np.testing.assert_array_equal(bank.sizes, first.sizes)
    assert isinstance(bank.pixels, np.memmap) and bank.pixels.dtype == np.uint8
    np.testing.assert_array_equal(bank.pixels, first.pixels)


def test_pixels_without_metadata_are_decoded_again_quietly(tmp_path):
    first, (cache, _) = cached_bank(tmp_path)
    os.remove(cache.record)  # a run killed before the metadata
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        bank = ObjectBank('rgba', root=first.root,
                          cache_dir=str(tmp_path / 'cache'))
    assert bank._pixels is not None  # decoded, not mapped
    assert os.path.isfile(cache.record)  # and written again


@pytest.mark.parametrize('damage', ['truncated', 'missing', 'other_side',
                                    'garbled_meta', 'short_meta',
                                    'names_short'])
def test_a_broken_entry_is_decoded_again_with_a_warning(tmp_path, damage):
    first, (cache, _) = cached_bank(tmp_path)
    pixels, record = cache.arrays['pixels'], pathlib.Path(cache.record)
    if damage == 'truncated':
        os.truncate(pixels, os.path.getsize(pixels) - 100)
    elif damage == 'missing':
        os.remove(pixels)
    elif damage == 'other_side':  # pixels of another max_side
        np.save(pixels, np.zeros((1, 32, 32, 4), np.uint8))
    elif damage == 'names_short':  # a valid record, one name short
        made = json.loads(record.read_text())
        record.write_text(json.dumps(dict(made, names=made['names'][1:])))
    else:  # garbled, or the metadata of version 1 (no produced_by)
        record.write_text('{"names": [' if damage == 'garbled_meta' else
                          json.dumps(dict(names=['a'], categories=[])))
    with pytest.warns(UserWarning, match=f'{record.name} is broken .*'
                      'decoded again and the entry rewritten'):
        bank = ObjectBank('rgba', root=first.root,
                          cache_dir=str(tmp_path / 'cache'))
    assert bank._pixels is not None  # decoded, not mapped
    np.testing.assert_array_equal(bank[0], first[0])


def test_a_bank_rewrites_a_truncated_cache(tmp_path):
    root, _ = one_object_folder(tmp_path)
    cache = tmp_path / 'cache'
    first = ObjectBank('rgba', root=root, cache_dir=str(cache))
    [pixels_file] = cache.glob('*.npy')
    with open(pixels_file, 'r+b') as file:
        file.truncate(1000)
    with pytest.warns(UserWarning, match='broken'):
        again = ObjectBank('rgba', root=root, cache_dir=str(cache))
    assert again._pixels is not None  # decoded, not mapped
    np.testing.assert_array_equal(again[0], first[0])
    mapped = ObjectBank('rgba', root=root, cache_dir=str(cache))
    assert mapped._pixels is None  # the rewritten entry is whole
    np.testing.assert_array_equal(mapped[0], first[0])


def test_a_touched_file_is_decoded_again(tmp_path):
    root, path = one_object_folder(tmp_path)
    cache = tmp_path / 'cache'
    ObjectBank('rgba', root=root, cache_dir=str(cache))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    bank = ObjectBank('rgba', root=root, cache_dir=str(cache))
    assert bank._pixels is not None
    assert len(list(cache.glob('*.npy'))) == 2


def test_an_unwritable_cache_keeps_the_bank_in_memory(tmp_path):
    root, _ = one_object_folder(tmp_path)
    (tmp_path / 'a_file').write_text('')
    with pytest.warns(UserWarning, match='is not writable .*Set cache_dir'):
        bank = ObjectBank('rgba', root=root,
                          cache_dir=str(tmp_path / 'a_file' / 'cache'))
    clone = pickle.loads(pickle.dumps(bank))  # pixels travel with it
    np.testing.assert_array_equal(clone[0], bank[0])


def test_a_removed_cache_file_is_named(tmp_path):
    """A data-loader worker maps the file its bank was read from."""
    _, (cache, _) = cached_bank(tmp_path)
    bank = ObjectBank('rgba', root=str(tmp_path / 'objects'),
                      cache_dir=str(tmp_path / 'cache'))
    os.remove(cache.arrays['pixels'])
    worker = pickle.loads(pickle.dumps(bank))
    with pytest.raises(FileNotFoundError, match='gone .*build the bank'):
        worker[0]
