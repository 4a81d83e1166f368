import json

import numpy as np
import pytest
import torch
from PIL import Image

from smile_mm.models import MaskedVideoViT
from tools.unvos_eval import (cluster, hungarian_miou, main, majority_miou,
                              token_labels)


def test_hungarian_matching_known_answers():
    gt = np.array([0, 0, 1, 1, 2, 2])
    assert hungarian_miou(np.array([2, 2, 0, 0, 1, 1]), gt) == 1.0
    # clusters {0,1,2} {3} {4,5} go to labels 0, 1, 2:
    # IoU 2/3 for label 0, 1/2 for label 1, 1 for label 2
    assert hungarian_miou(np.array([0, 0, 0, 1, 2, 2]), gt) == \
        pytest.approx((2 / 3 + 1 / 2 + 1) / 3)


def test_majority_matching_known_answers():
    gt = np.array([0, 0, 1, 1, 2, 2])
    assert majority_miou(np.arange(6), gt) == 1.0  # over-clustering
    # cluster 0 covers labels 0 and 1 equally and takes label 0:
    # label 0 IoU 2/4, label 1 IoU 0, label 2 IoU 1
    assert majority_miou(np.array([0, 0, 0, 0, 1, 1]), gt) == \
        pytest.approx((0.5 + 0 + 1) / 3)


def test_token_labels_take_the_majority():
    mask = np.zeros((4, 4), np.uint8)
    mask[:2, 2:] = 1
    mask[2:, :2] = 2
    mask[3, 1] = 0  # a minority pixel
    np.testing.assert_array_equal(token_labels(mask, 2, 2),
                                  [[0, 1], [2, 0]])


def test_kmeans_recovers_separated_clusters(rng):
    centres = np.eye(3) * 10
    labels = rng.integers(0, 3, 60)
    features = centres[labels] + rng.normal(0, 0.1, (60, 3))
    assert hungarian_miou(cluster(features, 3, seed=0), labels) == 1.0


def davis(root, rng):
    for sequence in ('bear', 'car'):
        images = root / 'JPEGImages' / '480p' / sequence
        masks = root / 'Annotations' / '480p' / sequence
        images.mkdir(parents=True)
        masks.mkdir(parents=True)
        for index in range(6):
            frame = rng.integers(0, 60, (48, 64, 3), dtype=np.uint8)
            label = np.zeros((48, 64), np.uint8)
            x = 4 + 6 * index
            frame[10:34, x:x + 24] = 230
            label[10:34, x:x + 24] = 1
            Image.fromarray(frame).save(images / f'{index:05d}.jpg')
            mask = Image.fromarray(label, 'P')
            mask.putpalette([0, 0, 0, 128, 0, 0] + [0] * 762)
            mask.save(masks / f'{index:05d}.png')


def test_runs_on_a_davis_layout_folder(tmp_path, rng, monkeypatch):
    davis(tmp_path / 'davis', rng)
    torch.manual_seed(0)
    encoder = MaskedVideoViT('tiny', img_size=64, num_frames=4,
                             embed_dims=16, depth=1, num_heads=2)
    checkpoint = tmp_path / 'model.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()}}, checkpoint)
    import functools

    import smile_mm.apis.inference as inference
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        functools.partial(inference.SMILEVisionTransformer,
                                          embed_dims=16, depth=1,
                                          num_heads=2))
    out = tmp_path / 'results.json'
    assert main([str(checkpoint), str(tmp_path / 'davis'), '--arch', 'tiny',
                 '--num-frames', '4', '--size', '64', '--out', str(out),
                 '--device', 'cpu']) == 0
    results = json.loads(out.read_text())
    assert sorted(results['sequences']) == ['bear', 'car']
    for row in results['sequences'].values():
        assert row['labels'] == 2
        assert 0 <= row['clustering'] <= 1
        assert 0 <= row['over_clustering'] <= 1
    assert 0 <= results['summary']['clustering'] <= 1
    with pytest.raises(SystemExit):
        main([str(checkpoint), str(tmp_path / 'nowhere')])
