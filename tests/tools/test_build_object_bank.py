import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from smile_mm.datasets import ObjectBank
from tools.build_object_bank import main


@pytest.fixture
def coco(tmp_path):
    images = tmp_path / 'images'
    images.mkdir()
    image = np.zeros((60, 80, 3), np.uint8)
    image[10:30, 10:50] = (255, 0, 0)  # a red box for the polygon
    image[35:55, 60:75] = (0, 0, 255)  # a blue box for the RLE
    Image.fromarray(image).save(str(images / 'one.png'))
    rle_mask = np.zeros((60, 80), np.uint8, order='F')
    rle_mask[35:55, 60:75] = 1
    rle = mask_utils.encode(rle_mask)
    rle['counts'] = rle['counts'].decode()
    annotations = dict(
        images=[dict(id=1, file_name='one.png', height=60, width=80)],
        categories=[dict(id=1, name='red thing'), dict(id=2, name='blue/box')],
        annotations=[
            dict(id=11, image_id=1, category_id=1, area=800, iscrowd=0,
                 segmentation=[[10, 10, 50, 10, 50, 30, 10, 30]]),
            dict(id=12, image_id=1, category_id=2, area=300, iscrowd=0,
                 segmentation=rle),
            dict(id=13, image_id=1, category_id=1, area=5, iscrowd=0,
                 segmentation=[[0, 0, 2, 0, 2, 2]]),  # below min area
            dict(id=14, image_id=1, category_id=1, area=900, iscrowd=1,
                 segmentation=[[0, 0, 30, 0, 30, 30]]),  # crowd
        ])
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(annotations))
    return str(path), str(images)


def test_coco_polygons_and_rle(coco, tmp_path, capsys):
    ann, images = coco
    out = str(tmp_path / 'bank')
    assert main([out, '--coco', ann, '--images', images,
                 '--min-area', '100']) == 0
    red = np.asarray(Image.open(osp.join(out, 'red_thing', 'one_11.png')))
    assert red.shape == (20, 40, 4)  # rows 10-29, columns 10-49
    assert (red[..., 3] == 255).mean() > 0.9
    assert (red[red[..., 3] == 255][:, :3] == (255, 0, 0)).all()
    blue = np.asarray(Image.open(osp.join(out, 'blue_box', 'one_12.png')))
    assert blue.shape == (20, 15, 4) and (blue[..., 3] == 255).all()
    assert 'wrote 2 objects in 2 categories' in capsys.readouterr().out
    bank = ObjectBank('rgba', root=out, cache_dir=False)
    assert len(bank) == 2 and bank.categories == ['blue_box', 'red_thing']


def test_max_per_category_and_empty_result(coco, tmp_path):
    ann, images = coco
    out = str(tmp_path / 'bank')
    assert main([out, '--coco', ann, '--images', images, '--min-area', '1',
                 '--max-per-category', '1']) == 0
    assert len(ObjectBank('rgba', root=out, cache_dir=False)) == 2
    assert main([str(tmp_path / 'none'), '--coco', ann, '--images', images,
                 '--min-area', '1e9']) == 1


def test_image_and_instance_masks(tmp_path):
    images, masks = tmp_path / 'img' / 'cats', tmp_path / 'msk' / 'cats'
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(
        str(images / 'a.jpg'))
    labels = np.zeros((40, 40), np.uint8)
    labels[2:12, 2:12] = 1
    labels[20:38, 20:30] = 2
    Image.fromarray(labels).save(str(masks / 'a.png'))
    out = str(tmp_path / 'bank')
    assert main([out, '--images', str(tmp_path / 'img'), '--masks',
                 str(tmp_path / 'msk'), '--min-area', '50']) == 0
    bank = ObjectBank('rgba', root=out, cache_dir=False)
    assert sorted(bank.names) == [osp.join('cats', 'a_1.png'),
                                  osp.join('cats', 'a_2.png')]
    assert sorted(tuple(s) for s in bank.sizes) == [(10, 10), (18, 10)]


def test_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        main([str(tmp_path / 'o'), '--images', str(tmp_path)])
    with pytest.raises(SystemExit):
        main([str(tmp_path / 'o'), '--coco', str(tmp_path / 'nope.json'),
              '--images', str(tmp_path)])
