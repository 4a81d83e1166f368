import numpy as np
from PIL import Image

from smile_mm.datasets.objects.object_images import (crop_to_alpha, fit_object,
                                             premultiply, read_image_mask,
                                             read_rgba_png)

from ...conftest import write_rgba
from .test_object_bank import rect_rgba


def test_crop_and_premultiply_helpers():
    rgba = rect_rgba(3, 4, alpha=51)
    cropped, reason = crop_to_alpha(rgba)
    assert reason == '' and cropped.shape == (3, 4, 4)
    assert crop_to_alpha(np.zeros((4, 4, 4), np.uint8), 1)[0] is None
    out = premultiply(cropped)
    assert (out[..., 0] == 51).all() and (out[..., 3] == 51).all()


def test_fit_object_shrinks_only_large_objects():
    assert fit_object(rect_rgba(10, 20), 16).shape == (13, 16, 4)  # 50x60
    assert fit_object(rect_rgba(10, 20), 128).shape == (50, 60, 4)


def test_rgba_reader_names_what_is_wrong(tmp_path):
    good = write_rgba(str(tmp_path / 'good.png'), rect_rgba(10, 20))
    rgba, reason = read_rgba_png(good, 128, 16)
    assert reason == '' and rgba.shape == (10, 20, 4)
    assert read_rgba_png(good, 128, 201) == (
        None, 'alpha is empty (200 visible pixels, at least 201 needed)')
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / 'rgb.png')
    assert read_rgba_png(str(tmp_path / 'rgb.png'), 128, 1) == (
        None, 'has no alpha channel (mode RGB); objects must be RGBA '
        'cut-outs')
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    rgba, reason = read_rgba_png(str(tmp_path / 'broken.png'), 128, 1)
    assert rgba is None and reason.startswith('cannot be read (')


def test_image_mask_reader_names_the_mask(tmp_path):
    image = str(tmp_path / 'x.jpg')
    Image.fromarray(np.full((30, 40, 3), 200, np.uint8)).save(image,
                                                              quality=100)
    soft = np.zeros((30, 40), np.uint8)
    soft[5:15, 10:30] = 128  # a soft matte stays as it is
    Image.fromarray(soft).save(tmp_path / 'soft.png')
    rgba, reason = read_image_mask(image, str(tmp_path / 'soft.png'), 128, 1)
    assert reason == '' and rgba.shape == (10, 20, 4)
    assert (rgba[..., 3] == 128).all()
    missing = str(tmp_path / 'missing.png')
    assert read_image_mask(image, missing, 128, 1) == (
        None, f'has no mask {missing}')
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    rgba, reason = read_image_mask(image, str(tmp_path / 'broken.png'), 128,
                                   1)
    assert rgba is None
    assert reason.startswith(f'mask {tmp_path / "broken.png"} cannot be read')
    rgba, reason = read_image_mask(str(tmp_path / 'broken.png'),
                                   str(tmp_path / 'soft.png'), 128, 1)
    assert rgba is None and reason.startswith('cannot be read (')
