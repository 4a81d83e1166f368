"""Arrays and their record: reused while the record matches, made again
when it differs, ignored when half-written or not as recorded."""
import json
import multiprocessing
import os

import numpy as np
import pytest
import torch

from smile_mm.fileio import (RecordCache, StaleEntry, atomic_write,
                             temporary_path)

from .test_atomic_write import FullDisk

MADE = dict(checkpoint='abc', stride=4, views=(1, 2), by_class={0: 'a'},
            flip=1)


def entry(folder, ext='npy'):
    return RecordCache(str(folder / 'record.json'),
                       dict(features=str(folder / f'features.{ext}'),
                            labels=str(folder / f'labels.{ext}')))


def arrays(rows=3):
    return dict(features=np.arange(rows * 8, dtype=np.float32).reshape(
        rows, 2, 4), labels=np.arange(rows, dtype=np.int64))


def test_an_entry_is_reused_while_its_record_matches(tmp_path):
    cache = entry(tmp_path / 'cache')
    cache.write(MADE, arrays(), failed={'1': 'v1.mp4'})
    # tuples and integer keys compare as the JSON record gives them back
    read, record = cache.read(dict(MADE))
    for name, array in arrays().items():
        np.testing.assert_array_equal(read[name], array)
        assert isinstance(read[name], np.memmap)
        assert not read[name].flags.writeable
    assert record['failed'] == {'1': 'v1.mp4'}
    assert record['arrays']['features'] == 'float32 [3, 2, 4]'
    assert sorted(os.listdir(tmp_path / 'cache')) == [
        'features.npy', 'labels.npy', 'record.json']


@pytest.mark.parametrize('asked, why', [
    (dict(MADE, stride=8), 'made with other stride'),
    (dict(MADE, frame_interval=3), 'made with other frame_interval'),
    ({k: v for k, v in MADE.items() if k != 'checkpoint'},
     'made with other checkpoint'),
    # values that Python calls equal but JSON tells apart
    (dict(MADE, stride=4.0), 'made with other stride'),
    (dict(MADE, flip=True), 'made with other flip'),
])
def test_a_record_of_other_settings_is_made_again(tmp_path, asked, why):
    cache = entry(tmp_path)
    cache.write(MADE, arrays())
    with pytest.raises(StaleEntry, match=f'^{why}$'):
        cache.read(asked)


def test_arrays_without_their_record_are_no_entry(tmp_path):
    cache = entry(tmp_path)
    for name, array in arrays().items():  # a run killed before the record
        np.save(cache.arrays[name], array)
    with pytest.raises(StaleEntry, match='no record of what made it'):
        cache.read(MADE)


def test_a_rewrite_cut_short_leaves_no_record(tmp_path, monkeypatch):
    """The old record goes first: the old arrays never pass for new ones,
    nor the new ones, half-written, for old ones."""
    cache = entry(tmp_path)
    cache.write(MADE, arrays())
    monkeypatch.setattr(atomic_write, 'open', FullDisk, raising=False)
    with pytest.raises(OSError, match='disk is full'):
        cache.write(dict(MADE, stride=8), arrays(5))
    with pytest.raises(StaleEntry, match='no record'):
        cache.read(MADE)
    assert not [name for name in os.listdir(tmp_path) if '.tmp' in name]


@pytest.mark.parametrize('damage, why', [
    ('truncated', r'^unreadable \(ValueError\)$'),
    ('missing', r'^unreadable \(FileNotFoundError\)$'),
    ('other_shape', r'^labels holds int64 \[4\], recorded int64 \[3\]$'),
    ('other_dtype', r'^labels holds int32 \[3\], recorded int64 \[3\]$'),
    ('garbled_record', r'record.json is unreadable .*\(JSONDecodeError\)'),
    ('older_layout', r'of an older layout \(KeyError\)'),
])
def test_arrays_not_as_recorded_are_made_again(tmp_path, damage, why):
    cache = entry(tmp_path)
    cache.write(MADE, arrays())
    labels = cache.arrays['labels']
    if damage == 'truncated':
        with open(labels, 'r+b') as file:
            file.truncate(os.path.getsize(labels) - 4)
    elif damage == 'missing':
        os.remove(labels)
    elif damage == 'other_shape':
        np.save(labels, np.arange(4))
    elif damage == 'other_dtype':
        np.save(labels, np.arange(3, dtype=np.int32))
    elif damage == 'garbled_record':
        with open(cache.record, 'w') as file:
            file.write('{"produced_by": {')
    else:  # a flat record, as tools/extract_features.py wrote before
        with open(cache.record, 'w') as file:
            json.dump(dict(MADE, shape=[3, 2, 4]), file)
    with pytest.raises(StaleEntry, match=why):
        cache.read(MADE)


def test_pytorch_files(tmp_path):
    cache = entry(tmp_path, 'pt')
    cache.write(MADE, arrays())
    assert torch.load(cache.arrays['features']).shape == (3, 2, 4)
    read, _ = cache.read(MADE)
    np.testing.assert_array_equal(read['labels'], arrays()['labels'])
    torch.save(torch.zeros(2, 2, 4), cache.arrays['features'])
    with pytest.raises(StaleEntry, match=r'holds float32 \[2, 2, 4\]'):
        cache.read(MADE)


def test_a_memory_map_filled_in_place_is_renamed_into_the_entry(tmp_path):
    cache = entry(tmp_path)
    tmp = temporary_path(cache.arrays['features'])
    features = np.lib.format.open_memmap(tmp, mode='w+', dtype=np.float32,
                                         shape=(3, 2, 4))
    features[:] = arrays()['features']
    cache.write(MADE, dict(features=features, labels=arrays()['labels']))
    assert not os.path.exists(tmp)  # moved, not copied
    read, _ = cache.read(MADE)
    np.testing.assert_array_equal(read['features'], arrays()['features'])
    # a memory map of another file is copied: that file stays
    cache.write(MADE, dict(features=read['features'], labels=arrays()[
        'labels']))
    np.testing.assert_array_equal(cache.read(MADE)[0]['features'],
                                  arrays()['features'])
    assert sorted(os.listdir(tmp_path)) == [
        'features.npy', 'labels.npy', 'record.json']


def _write_often(folder, times):
    for _ in range(times):
        entry(folder).write(MADE, arrays())


def test_processes_writing_one_entry_leave_it_whole(tmp_path):
    """Data-loader workers or ranks that build the same entry at once: a
    reader finds it whole or absent, never half-written."""
    entry(tmp_path).write(MADE, arrays())
    context = multiprocessing.get_context('fork')
    writers = [context.Process(target=_write_often, args=(tmp_path, 30))
               for _ in range(2)]
    for writer in writers:
        writer.start()
    while any(writer.is_alive() for writer in writers):
        try:
            read, _ = entry(tmp_path).read(MADE)
        except StaleEntry as why:  # between a record and the next
            assert 'no record' in str(why) or 'FileNotFound' in str(why)
            continue
        np.testing.assert_array_equal(read['features'],
                                      arrays()['features'])
    assert [writer.exitcode for writer in writers] == [0, 0]
    entry(tmp_path).read(MADE)
    assert not [name for name in os.listdir(tmp_path) if '.tmp' in name]


def test_file_digest_is_the_sha256_of_the_whole_file(tmp_path):
    import hashlib

    from smile_mm.fileio import file_digest
    data = np.random.default_rng(0).bytes((1 << 24) + 7)  # two pieces
    path = tmp_path / 'weights.bin'
    path.write_bytes(data)
    assert file_digest(str(path)) == hashlib.sha256(data).hexdigest()
