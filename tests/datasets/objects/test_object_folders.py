import os.path as osp

import numpy as np
import pytest
from PIL import Image

from smile_mm.datasets.objects.object_folders import (LAYOUTS, ImageMaskFolder,
                                              ObjectFiles, RGBAFolder,
                                              read_objects)

from ...conftest import write_rgba
from .test_object_bank import rect_rgba


def test_layouts_are_the_folder_sources():
    assert set(LAYOUTS) == {'rgba', 'image_mask'}
    assert isinstance(LAYOUTS['rgba'], RGBAFolder)
    assert isinstance(LAYOUTS['image_mask'], ImageMaskFolder)


def test_rgba_folder_lists_sorted_objects(tmp_path):
    for path in ('dog/b.png', 'dog/a.PNG', 'cat/z.png'):
        write_rgba(str(tmp_path / path), rect_rgba(10, 10))
    listing = RGBAFolder().list_objects(str(tmp_path))
    assert [item.name for item in listing] == [
        osp.join('cat', 'z.png'), osp.join('dog', 'a.PNG'),
        osp.join('dog', 'b.png')]
    assert [item.category for item in listing] == ['cat', 'dog', 'dog']
    assert listing[0].paths == (str(tmp_path / 'cat' / 'z.png'), )


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_a_missing_root_names_itself_and_the_layout(tmp_path, monkeypatch,
                                                    layout):
    reader = LAYOUTS[layout]
    with pytest.raises(FileNotFoundError) as info:
        reader.list_objects(str(tmp_path / 'nope'))
    assert str(info.value) == (f'object bank folder {tmp_path / "nope"} '
                               f'does not exist; expected {reader.pattern}')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=f'nope does not exist '
                       rf'\(in {tmp_path}\)'):
        reader.list_objects('nope')


def test_rgba_folder_without_png_is_an_error(tmp_path):
    (tmp_path / 'cat').mkdir()
    with pytest.raises(FileNotFoundError, match='holds no PNG files in the '
                       'layout <root>/<category>/\\*.png$'):
        RGBAFolder().list_objects(str(tmp_path))


def test_image_mask_folder_pairs_images_with_masks(tmp_path):
    (tmp_path / 'images' / 'cup').mkdir(parents=True)
    (tmp_path / 'masks').mkdir()
    image = Image.fromarray(np.zeros((8, 8, 3), np.uint8))
    image.save(tmp_path / 'images' / 'cup' / 'x.jpg')
    image.save(tmp_path / 'images' / 'loose.png')
    (tmp_path / 'images' / 'cup' / 'notes.txt').write_text('not an image')
    listing = ImageMaskFolder().list_objects(str(tmp_path))
    assert listing == [  # sorted by folder, then name
        ObjectFiles(str(tmp_path / 'images' / 'loose.png'),
                    osp.join('images', 'loose.png'), 'default',
                    str(tmp_path / 'masks' / 'loose.png')),
        ObjectFiles(str(tmp_path / 'images' / 'cup' / 'x.jpg'),
                    osp.join('images', 'cup', 'x.jpg'), 'cup',
                    str(tmp_path / 'masks' / 'cup' / 'x.png'))]


def test_image_mask_folder_rejects_incomplete_layouts(tmp_path):
    reader = ImageMaskFolder()
    (tmp_path / 'images').mkdir()
    with pytest.raises(FileNotFoundError, match='has no masks/ folder; the '
                       'image_mask layout is <root>/images/'):
        reader.list_objects(str(tmp_path))
    (tmp_path / 'masks').mkdir()
    with pytest.raises(FileNotFoundError, match='holds no images under '
                       r'images/ \(extensions .png, .jpg'):
        reader.list_objects(str(tmp_path))


def test_read_objects_decodes_in_workers_as_in_process(tmp_path):
    for index in range(70):  # more than the 64 decoded in this process
        write_rgba(str(tmp_path / f'c{index % 3}' / f'{index:02d}.png'),
                   rect_rgba(5 + index % 40, 30))
    listing = RGBAFolder().list_objects(str(tmp_path))
    serial = read_objects(RGBAFolder(), str(tmp_path), listing, 32, 16,
                          False, num_workers=1)
    parallel = read_objects(RGBAFolder(), str(tmp_path), listing, 32, 16,
                            False, num_workers=2)
    assert [item for item, _ in parallel] == listing
    for (_, one), (_, other) in zip(serial, parallel):
        np.testing.assert_array_equal(one, other)


def test_read_objects_lists_the_first_twenty_bad_files(tmp_path):
    write_rgba(str(tmp_path / 'c' / 'good.png'), rect_rgba(10, 10))
    for index in range(22):
        write_rgba(str(tmp_path / 'c' / f'empty{index:02d}.png'),
                   np.zeros((4, 4, 4), np.uint8))
    listing = RGBAFolder().list_objects(str(tmp_path))
    with pytest.raises(ValueError) as info:
        read_objects(RGBAFolder(), str(tmp_path), listing, 128, 16, False)
    message = str(info.value)
    assert '22 of 23 objects are invalid' in message
    assert 'empty19.png' in message and 'empty20.png' not in message
    assert '... and 2 more\nFix or remove these files' in message
    with pytest.warns(UserWarning, match='left out'):
        valid = read_objects(RGBAFolder(), str(tmp_path), listing, 128, 16,
                             True)
    assert [item.name for item, _ in valid] == [osp.join('c', 'good.png')]
    with pytest.warns(UserWarning), pytest.raises(
            ValueError, match='holds no usable RGBA object'):
        read_objects(RGBAFolder(), str(tmp_path), listing[:-1], 128, 16,
                     True)
