"""Unsupervised video object segmentation with frozen features (paper B.1).

For each sequence of a DAVIS-layout folder (``JPEGImages/480p/<seq>/*.jpg``
with ``Annotations/480p/<seq>/*.png``, palette indices, 0 the background),
16 frames are encoded into space-time tokens, the tokens are clustered with
k-means, and the clusters are matched to the ground-truth objects:

* clustering: K = the number of labels present (background included), one
  cluster per label by the Hungarian algorithm on IoU;
* over-clustering: K = ``--over-factor`` x that, each cluster going to the
  label it overlaps most.

The score is the mean IoU over labels, averaged over sequences, evaluated on
the token grid (each token takes the majority label of its first frame's
patch). Frames are resized to ``--size`` square, then prepared by the steps
after decoding of ``--config``'s test pipeline and its data preprocessor
(default: ``configs/smile/features/smile_vit_16x4x1_centre-clip.py``, whose
resize and centre crop leave such frames as they are).

    python tools/unvos_eval.py smile.pth data/davis --arch base --out results.json
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from PIL import Image
from scipy.cluster.vq import kmeans2
from scipy.optimize import linear_sum_assignment

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from smile_mm.apis import load_config, load_encoder, to_clip
from smile_mm.apis.inference import FEATURES_CONFIG


def iou_table(pred: np.ndarray, gt: np.ndarray, clusters: int,
              labels: np.ndarray) -> np.ndarray:
    """[clusters, labels] IoU of every cluster with every label."""
    table = np.zeros((clusters, len(labels)))
    for i in range(clusters):
        in_cluster = pred == i
        for j, label in enumerate(labels):
            in_label = gt == label
            union = np.logical_or(in_cluster, in_label).sum()
            table[i, j] = (np.logical_and(in_cluster, in_label).sum() /
                           union if union else 0.0)
    return table


def mean_iou(pred_labels: np.ndarray, gt: np.ndarray) -> float:
    """Mean IoU over the labels present in ``gt``."""
    scores = []
    for label in np.unique(gt):
        predicted, true = pred_labels == label, gt == label
        union = np.logical_or(predicted, true).sum()
        scores.append(np.logical_and(predicted, true).sum() / union)
    return float(np.mean(scores))


def hungarian_miou(pred: np.ndarray, gt: np.ndarray) -> float:
    """One cluster per label, matched to maximise the total IoU."""
    labels = np.unique(gt)
    clusters = int(pred.max()) + 1
    table = iou_table(pred, gt, clusters, labels)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.full(clusters, -1)
    mapping[rows] = labels[cols]
    return mean_iou(mapping[pred], gt)


def majority_miou(pred: np.ndarray, gt: np.ndarray) -> float:
    """Each cluster labelled with the label it overlaps most."""
    mapping = np.array([
        np.bincount(gt[pred == i]).argmax() if (pred == i).any() else -1
        for i in range(int(pred.max()) + 1)
    ])
    return mean_iou(mapping[pred], gt)


def token_labels(mask: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Majority label of each patch of a [H, W] label map -> [rows, cols]."""
    height, width = mask.shape
    patch_h, patch_w = height // rows, width // cols
    labels = np.zeros((rows, cols), np.int64)
    for i in range(rows):
        for j in range(cols):
            patch = mask[i * patch_h:(i + 1) * patch_h,
                         j * patch_w:(j + 1) * patch_w]
            labels[i, j] = np.bincount(patch.ravel()).argmax()
    return labels


def cluster(features: np.ndarray, clusters: int, seed: int) -> np.ndarray:
    """k-means of L2-normalised rows; returns the cluster of each row."""
    features = features / np.maximum(
        np.linalg.norm(features, axis=1, keepdims=True), 1e-8)
    _, assignment = kmeans2(features.astype(np.float64), clusters,
                            minit='++', seed=seed)
    return assignment


def load_sequence(root: str, sequence: str, num_frames: int, size: int,
                  config: Config) -> Tuple[torch.Tensor, List[np.ndarray]]:
    """Evenly spaced frames (resized to size x size, then prepared by
    ``config``: [V, 3, T, H, W]) and their masks."""
    image_dir = osp.join(root, 'JPEGImages', '480p', sequence)
    mask_dir = osp.join(root, 'Annotations', '480p', sequence)
    names = sorted(osp.splitext(n)[0] for n in os.listdir(image_dir))
    picks = np.linspace(0, len(names) - 1, num_frames).round().astype(int)
    frames, masks = [], []
    for index in picks:
        with Image.open(osp.join(image_dir, names[index] + '.jpg')) as image:
            frames.append(np.asarray(image.convert('RGB').resize(
                (size, size), Image.BILINEAR)))
        with Image.open(osp.join(mask_dir, names[index] + '.png')) as mask:
            masks.append(np.asarray(mask.resize((size, size),
                                                Image.NEAREST)))
    return to_clip(frames, config), masks


def evaluate_sequence(encoder, root: str, sequence: str, num_frames: int,
                      size: int, config: Config, over_factor: int, seed: int,
                      device: str) -> Dict[str, float]:
    clip, masks = load_sequence(root, sequence, num_frames, size, config)
    with torch.no_grad():
        features = encoder(clip.to(device))[0].cpu()  # [C, T', h, w]
    channels, slices, rows, cols = features.shape
    tokens = features.permute(1, 2, 3, 0).reshape(-1, channels).numpy()
    tubelet = num_frames // slices
    gt = np.stack([token_labels(masks[t * tubelet], rows, cols)
                   for t in range(slices)]).ravel()
    objects = len(np.unique(gt))
    return dict(
        clustering=hungarian_miou(cluster(tokens, objects, seed), gt),
        over_clustering=majority_miou(
            cluster(tokens, objects * over_factor, seed), gt),
        labels=objects)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint')
    parser.add_argument('root', help='DAVIS-layout folder')
    parser.add_argument('--sequences', nargs='+',
                        help='default: every sequence in JPEGImages/480p')
    parser.add_argument('--arch', default='auto',
                        choices=('auto', 'tiny', 'small', 'base', 'large'),
                        help='encoder size (auto: read from the weights)')
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--config', default=FEATURES_CONFIG,
                        help='config whose test pipeline (the steps after '
                        'decoding) and data preprocessor prepare the frames; '
                        'its size is set to --size')
    parser.add_argument('--over-factor', type=int, default=3,
                        help='clusters per label when over-clustering')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='JSON file for the results')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    image_root = osp.join(args.root, 'JPEGImages', '480p')
    if not osp.isdir(image_root):
        parser.error(f'{image_root} does not exist (DAVIS layout: '
                     'JPEGImages/480p/<seq> and Annotations/480p/<seq>)')
    try:
        config = load_config(args.config, size=args.size)
    except (KeyError, ValueError) as error:  # a setting reaching nothing
        parser.error(error.args[0])
    sequences = args.sequences or sorted(os.listdir(image_root))
    encoder = load_encoder(args.checkpoint, args.arch, args.size,
                           args.num_frames, 'featmap', args.device)
    results = {}
    for sequence in sequences:
        results[sequence] = evaluate_sequence(
            encoder, args.root, sequence, args.num_frames, args.size,
            config, args.over_factor, args.seed, args.device)
        row = results[sequence]
        print(f'{sequence}: clustering mIoU {row["clustering"]:.3f}, '
              f'over-clustering mIoU {row["over_clustering"]:.3f}')
    summary = {key: float(np.mean([r[key] for r in results.values()]))
               for key in ('clustering', 'over_clustering')}
    print(f'mean over {len(results)} sequences: clustering mIoU '
          f'{summary["clustering"]:.3f}, over-clustering mIoU '
          f'{summary["over_clustering"]:.3f}')
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(dict(summary=summary, sequences=results), file,
                      indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
