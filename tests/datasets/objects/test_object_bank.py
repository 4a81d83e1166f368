import os.path as osp
import pickle

import numpy as np
import pytest
from PIL import Image

from smile_mm.datasets import ObjectBank
from smile_mm.datasets.objects.procedural_objects import SHAPES

from ...conftest import write_rgba


def rect_rgba(height, width, canvas=(50, 60), colour=(255, 0, 0), alpha=128,
              at=(5, 7)):
    """A coloured rectangle of given alpha on a transparent canvas."""
    rgba = np.zeros(canvas + (4, ), np.uint8)
    y, x = at
    rgba[y:y + height, x:x + width, :3] = colour
    rgba[y:y + height, x:x + width, 3] = alpha
    return rgba


def test_procedural_bank_is_deterministic_and_valid():
    bank = ObjectBank(num_objects=24, seed=3)
    again = ObjectBank(num_objects=24, seed=3)
    other = ObjectBank(num_objects=24, seed=4)
    assert len(bank) == 24
    assert set(bank.categories) == set(SHAPES)
    np.testing.assert_array_equal(bank.pixels, again.pixels)
    assert not np.array_equal(bank.pixels, other.pixels)
    for index in range(len(bank)):
        rgba = bank[index]
        assert max(rgba.shape[:2]) == 128
        alpha = rgba[..., 3]
        assert (alpha > 0).sum() > 0.1 * alpha.size  # not empty
        assert (alpha == 0).any()  # a cut-out, not a box
        # premultiplied: no channel exceeds alpha
        assert (rgba[..., :3] <= alpha[..., None]).all()


def test_rgba_folder_crops_premultiplies_and_resizes(tmp_path):
    root = tmp_path / 'objects'
    write_rgba(str(root / 'dog' / 'a.png'), rect_rgba(10, 20))
    big = rect_rgba(300, 150, canvas=(320, 200), colour=(0, 255, 0),
                    alpha=255, at=(0, 0))
    write_rgba(str(root / 'cat' / 'b.png'), big)
    bank = ObjectBank('rgba', root=str(root), max_side=128)
    assert bank.names == [osp.join('cat', 'b.png'), osp.join('dog', 'a.png')]
    assert bank.categories == ['cat', 'dog']
    small = bank[1]
    assert small.shape == (10, 20, 4)
    # 255 * 128 / 255 rounds to 128
    assert (small[..., 0] == 128).all() and (small[..., 3] == 128).all()
    assert bank[0].shape == (128, 64, 4)  # longer side shrunk to 128


def test_invalid_objects_are_named(tmp_path):
    root = tmp_path / 'objects'
    write_rgba(str(root / 'ok' / 'good.png'), rect_rgba(10, 10))
    write_rgba(str(root / 'ok' / 'empty.png'),
               np.zeros((20, 20, 4), np.uint8))
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(
        str(root / 'ok' / 'rgb.png'))
    (root / 'ok' / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ValueError) as info:
        ObjectBank('rgba', root=str(root))
    message = str(info.value)
    assert '3 of 4 objects are invalid' in message
    assert 'empty.png: alpha is empty' in message
    assert 'rgb.png: has no alpha channel (mode RGB)' in message
    assert 'broken.png: cannot be read' in message
    assert 'good.png' not in message
    with pytest.warns(UserWarning, match='3 of 4 objects are invalid'):
        bank = ObjectBank('rgba', root=str(root), skip_invalid=True)
    assert len(bank) == 1


def test_missing_or_empty_banks_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / 'nope')):
        ObjectBank('rgba', root=str(tmp_path / 'nope'))
    (tmp_path / 'empty' / 'cat').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='holds no PNG files'):
        ObjectBank('rgba', root=str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='needs root'):
        ObjectBank('rgba')
    with pytest.raises(ValueError, match='source'):
        ObjectBank('pin')


def test_image_mask_pairs(tmp_path):
    root = tmp_path / 'pairs'
    (root / 'images' / 'cup').mkdir(parents=True)
    (root / 'masks' / 'cup').mkdir(parents=True)
    image = np.full((30, 40, 3), 200, np.uint8)
    mask = np.zeros((30, 40), np.uint8)
    mask[5:15, 10:30] = 1  # a 0/1 mask
    Image.fromarray(image).save(str(root / 'images' / 'cup' / 'x.jpg'),
                                quality=100)
    Image.fromarray(mask).save(str(root / 'masks' / 'cup' / 'x.png'))
    bank = ObjectBank('image_mask', root=str(root))
    assert bank.categories == ['cup']
    assert bank[0].shape == (10, 20, 4)
    assert (bank[0][..., 3] == 255).all()

    Image.fromarray(image).save(str(root / 'images' / 'cup' / 'nomask.png'))
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(
        str(root / 'masks' / 'cup' / 'wrong.png'))
    Image.fromarray(image).save(str(root / 'images' / 'cup' / 'wrong.png'))
    with pytest.raises(ValueError) as info:
        ObjectBank('image_mask', root=str(root))
    assert 'nomask.png: has no mask' in str(info.value)
    assert 'is 5x5 but the image is 40x30' in str(info.value)


def test_folder_bank_cache_is_reused_and_invalidated(tmp_path):
    root = tmp_path / 'objects'
    path = write_rgba(str(root / 'dog' / 'a.png'), rect_rgba(10, 20))
    cache = tmp_path / 'cache_dir'
    first = ObjectBank('rgba', root=str(root), cache_dir=str(cache))
    assert len(list(cache.glob('*.npy'))) == 1
    second = ObjectBank('rgba', root=str(root), cache_dir=str(cache))
    assert second._pixels is None  # mapped lazily from the cache file
    np.testing.assert_array_equal(second[0], first[0])
    assert isinstance(second.pixels, np.memmap)

    write_rgba(path, rect_rgba(12, 20))  # content changed: new cache entry
    third = ObjectBank('rgba', root=str(root), cache_dir=str(cache))
    assert third[0].shape == (12, 20, 4)
    assert len(list(cache.glob('*.npy'))) == 2


def test_cached_bank_pickles_without_pixels(tmp_path):
    root = tmp_path / 'objects'
    for i in range(5):
        write_rgba(str(root / 'c' / f'{i}.png'), rect_rgba(30, 30))
    bank = ObjectBank('rgba', root=str(root), cache_dir=str(tmp_path / 'c'))
    blob = pickle.dumps(bank)
    assert len(blob) < 10_000  # 5 * 128 * 128 * 4 bytes stay in the file
    clone = pickle.loads(blob)
    np.testing.assert_array_equal(clone[4], bank[4])


def test_class_method_constructors_build_the_same_banks(tmp_path):
    procedural = ObjectBank.procedural(num_objects=12, seed=3, max_side=64)
    np.testing.assert_array_equal(
        procedural.pixels,
        ObjectBank(num_objects=12, seed=3, max_side=64).pixels)
    assert procedural.names[:2] == ['procedural/ellipse/0',
                                    'procedural/polygon/1']
    root = tmp_path / 'objects'
    write_rgba(str(root / 'dog' / 'a.png'), rect_rgba(10, 20))
    bank = ObjectBank.from_folder(str(root), cache_dir=False)
    assert bank.source == 'rgba' and bank.names == [osp.join('dog', 'a.png')]
    np.testing.assert_array_equal(
        bank[0], ObjectBank('rgba', root=str(root), cache_dir=False)[0])
    assert repr(bank) == (f"ObjectBank(source='rgba', root={str(root)!r}, "
                          '1 objects, max_side=128)')
    with pytest.raises(ValueError, match="layout 'procedural' is unknown.*"
                       r'ObjectBank.procedural\(\)'):
        ObjectBank.from_folder(str(root), layout='procedural')
