import os
import pickle

import numpy as np
import pytest

from smile_mm.datasets import ObjectBank
from smile_mm.datasets.object_cache import (ObjectCache, cache_key,
                                            default_cache_dir, map_pixels)

from ..conftest import write_rgba
from .test_object_bank import rect_rgba

SETTINGS = dict(source='rgba', max_side=128)


def one_object_folder(tmp_path):
    path = write_rgba(str(tmp_path / 'objects' / 'dog' / 'a.png'),
                      rect_rgba(10, 20))
    return str(tmp_path / 'objects'), path


def entry(pixels_side=16, count=2):
    pixels = np.arange(count * pixels_side * pixels_side * 4,
                       dtype=np.uint32).astype(np.uint8).reshape(
                           count, pixels_side, pixels_side, 4)
    sizes = np.full((count, 2), pixels_side, np.int32)
    names = [f'c/{index}.png' for index in range(count)]
    return pixels, sizes, names, ['c'] * count


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('SMILE_MM_CACHE', str(tmp_path))
    assert default_cache_dir() == str(tmp_path / 'object_banks')


def test_cache_key_changes_with_every_input(tmp_path):
    root, path = one_object_folder(tmp_path)
    key = cache_key(root, [path], SETTINGS)
    assert len(key) == 20 and key == cache_key(root, [path], SETTINGS)
    assert key != cache_key(root, [path], dict(SETTINGS, max_side=64))
    missing = os.path.join(root, 'dog', 'mask.png')
    assert key != cache_key(root, [path, missing], SETTINGS)
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = cache_key(root, [path], SETTINGS)
    assert touched != key
    write_rgba(path, rect_rgba(12, 20))
    assert cache_key(root, [path], SETTINGS) not in (key, touched)


def test_an_entry_reads_back_what_was_written(tmp_path):
    cache = ObjectCache(str(tmp_path / 'cache'), 'k')
    assert cache.read(16) is None
    pixels, sizes, names, categories = entry()
    assert cache.write(pixels, sizes, names, categories, 'root')
    cached = cache.read(16)
    assert cached.names == names and cached.categories == categories
    np.testing.assert_array_equal(cached.sizes, sizes)
    mapped = map_pixels(cached.pixels_path)
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(mapped, pixels)
    assert sorted(os.listdir(tmp_path / 'cache')) == ['k.json', 'k.npy']


def test_pixels_without_metadata_are_no_entry(tmp_path):
    cache = ObjectCache(str(tmp_path), 'k')
    pixels, sizes, names, categories = entry()
    np.save(cache.pixels_path, pixels)  # a run killed before the metadata
    assert cache.read(16) is None


@pytest.mark.parametrize('damage', ['truncated', 'missing', 'other_side',
                                    'garbled_meta', 'short_meta'])
def test_a_broken_entry_is_not_used(tmp_path, damage):
    cache = ObjectCache(str(tmp_path), 'k')
    pixels, sizes, names, categories = entry()
    cache.write(pixels, sizes, names, categories, 'root')
    side = 16
    if damage == 'truncated':
        with open(cache.pixels_path, 'r+b') as file:
            file.truncate(os.path.getsize(cache.pixels_path) - 100)
    elif damage == 'missing':
        os.remove(cache.pixels_path)
    elif damage == 'other_side':
        side = 32
    elif damage == 'garbled_meta':
        with open(cache.meta_path, 'w') as file:
            file.write('{"names": [')
    else:
        with open(cache.meta_path, 'w') as file:
            file.write('{"names": ["a"], "categories": [], "sizes": []}')
    with pytest.warns(UserWarning, match='k.json is broken .*decoded again'):
        assert cache.read(side) is None


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
    with pytest.raises(FileNotFoundError, match='gone .*build the bank'):
        map_pixels(str(tmp_path / 'k.npy'))
