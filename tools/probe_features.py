"""Linear probing and k-NN of a frozen encoder from features cached once.

    python tools/probe_features.py CONFIG CHECKPOINT [--work-dir DIR]

CONFIG is a linear-probing config (``configs/smile/linear_probe/``, or your
own child of one): its model, datasets, pipelines and recipe are used as
they are, so every ``--cfg-options`` override reaches this tool as it
reaches ``tools/train.py``. In three steps:

1. Features. The frozen encoder runs once over every training video, on
   ``--train-clips`` evenly spaced clips (the config's validation pipeline:
   centre crop) and, where the config's training pipeline flips, on their
   mirror images too; and once over every test video, on the views of the
   config's test pipeline (``--split val`` takes the validation one).
   They are written under ``WORK_DIR/features/{train,test}`` (a memory
   map and a manifest of what produced them) and reused by later runs
   with the same checkpoint, data and pipelines.
2. Linear probe (paper Table 16, the config's recipe): the config's
   classifier trained with its optimizer (AdamW lr and weight decay), its
   epochs and cosine decay, on batches of ``--batch-size`` videos (the
   config's total batch; the lr scales linearly with it as mmengine's
   ``auto_scale_lr`` does), one random cached view per video per epoch.
   Test scores average the views as the config's head does.
3. Weighted k-NN (k=20, temperature 0.07, cosine; DINO's protocol) on the
   mean of each video's normalised views.

Outputs in WORK_DIR: ``results.json`` (top-1, top-5 and mean class
accuracy of both, the recipe, the counts, the timings),
``confusion_linear.png``, ``confusion_knn.png``, the test videos' class
scores (``scores_linear.npy``, ``scores_knn.npy``: in list order, without
the videos ``results.json`` lists as failed) and
``linear_probe.pth``:
the encoder with the trained classifier, a checkpoint of the config's own
model that ``tools/test.py CONFIG WORK_DIR/linear_probe.pth`` evaluates.
Videos that cannot be read are left out and listed; the exit status is
then 1.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint
from tqdm import tqdm

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from mmaction.registry import DATASETS, MODELS
from smile_mm.evaluation.cached_linear_probe import (RowSubset,
                                                     multiview_scores,
                                                     train_linear_probe)
from smile_mm.evaluation.classification_report import (
    classification_metrics, save_confusion_matrix)
from smile_mm.evaluation.feature_cache import extract_features, load_cache
from smile_mm.evaluation.knn import weighted_knn_scores
from smile_mm.datasets.lists.annotation_list import AnnotationError
from smile_mm.engine import ConfigSettingError, resolve_references
from smile_mm.engine.checkpoint_report import (load_weights, matters,
                                               revised_state)
from smile_mm.engine.console_log import quiet_console
from smile_mm.engine.loader_workers import workers_within_cores
from smile_mm.fileio import file_digest, write_whole


def _plain(value):
    """Config values as plain JSON-able Python."""
    if isinstance(value, (ConfigDict, dict)):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


SAMPLERS = ('SampleFrames', 'UniformSample')  # take num_clips, test_mode


def _sampler(pipeline: List[dict], config: str) -> dict:
    steps = [step for step in pipeline if step['type'] in SAMPLERS]
    if len(steps) != 1:
        raise ValueError(f'{config}: the validation pipeline needs exactly '
                         f'one of {SAMPLERS}, found {len(steps)}')
    return steps[0]


def train_views_dataset(cfg, train_clips: int, config: str) -> dict:
    """The training set through the validation pipeline, with
    ``train_clips`` evenly spaced clips per video."""
    pipeline = copy.deepcopy(cfg.val_dataloader.dataset.pipeline)
    _sampler(pipeline, config).update(num_clips=train_clips, test_mode=True)
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.update(pipeline=pipeline, test_mode=True)
    return dataset


def flips_in_training(cfg, config: str) -> bool:
    flips = [step for step in cfg.train_dataloader.dataset.pipeline
             if step['type'] == 'Flip' and step.get('flip_ratio', 0.5) > 0]
    if any(step.get('flip_label_map') for step in flips):
        raise ValueError(f'{config}: Flip with flip_label_map (mirroring '
                         'changes the label) is not supported by the cached '
                         'probe; use the end-to-end config')
    return bool(flips)


def recipe_of(cfg, batch_size: Optional[int], epochs: Optional[int],
              config: str) -> Dict:
    """The config's linear-probing recipe, for ``batch_size`` videos per
    step (default: the config's total batch)."""
    optimizer = cfg.optim_wrapper.optimizer
    unsupported = [key for key in ('paramwise_cfg', 'clip_grad')
                   if cfg.optim_wrapper.get(key)]
    if optimizer.type != 'AdamW' or unsupported:
        raise ValueError(
            f'{config}: optimizer {optimizer.type} with {unsupported or "no"}'
            ' extra settings; the cached probe trains as the linear-probing '
            'configs do: plain AdamW (Table 16)')
    epochs = int(epochs or cfg.train_cfg.max_epochs)
    schedulers = cfg.get('param_scheduler') or []
    schedulers = [schedulers] if isinstance(schedulers, dict) else schedulers
    cosine = schedulers[0] if len(schedulers) == 1 else {}
    if (cosine.get('type') != 'CosineAnnealingLR' or cosine.get('begin', 0)
            or cosine.get('eta_min_ratio') is not None
            or cosine.get('T_max', cfg.train_cfg.max_epochs) != cosine.get(
                'end', cfg.train_cfg.max_epochs)):
        raise ValueError(
            f'{config}: param_scheduler {[s["type"] for s in schedulers]} '
            'is not supported here; the cached probe follows one '
            'CosineAnnealingLR from the first to the last epoch (Table 16)')
    scale = cfg.get('auto_scale_lr') or {}
    base = int(scale.get('base_batch_size') or
               cfg.train_dataloader.batch_size)
    batch = batch_size or base
    return dict(optimizer=optimizer.type,
                lr=float(optimizer.lr) * batch / base,
                config_lr=float(optimizer.lr), base_batch_size=base,
                batch_size=batch,
                weight_decay=float(optimizer.get('weight_decay', 0.0)),
                betas=list(optimizer.get('betas', (0.9, 0.999))),
                min_lr=float(cosine.get('eta_min', 0.0)), epochs=epochs)


class Encoder:
    """Packed samples -> [B * V, C] backbone features of the config's model
    (its data preprocessor, then ``extract_feat`` up to the backbone)."""

    def __init__(self, model, device: str) -> None:
        self.model = model.to(device).eval()

    @torch.no_grad()
    def __call__(self, samples: List[dict]) -> torch.Tensor:
        data = self.model.data_preprocessor(pseudo_collate(samples),
                                            training=False)
        features, _ = self.model.extract_feat(data['inputs'],
                                              stage='backbone',
                                              test_mode=True)
        if features.ndim != 2:
            raise ValueError(
                f'the backbone gives {tuple(features.shape)} features per '
                'batch; probing needs one vector per clip: use a '
                "linear-probing config (out_type='mean')")
        return features


def load_model(cfg, checkpoint: str, logger):
    """The config's model with ``checkpoint`` loaded as ``load_from`` loads
    it; every encoder weight must come from the checkpoint, with the
    encoder's shapes. One line says what was loaded; the key lists go to
    the log file."""
    model = MODELS.build(cfg.model)
    model.init_weights()
    state = _load_checkpoint(checkpoint, map_location='cpu', logger=logger)
    found = revised_state(state)
    missing = sorted(f'backbone.{key}' for key, _ in
                     model.backbone.named_parameters()
                     if f'backbone.{key}' not in found)
    if missing:
        raise ValueError(
            f'{checkpoint} lacks {len(missing)} of the encoder\'s weights '
            f'(first: {missing[:3]}): is it a smile_mm or mmaction2 '
            'checkpoint of this architecture? (the authors\' files: '
            'tools/convert_checkpoint.py)')
    _, report = load_weights(model, state, checkpoint, logger)
    other = [name for name, *_ in report.mismatched
             if name.startswith('backbone.')]
    if other:
        raise ValueError(f'{checkpoint} holds encoder weights of other '
                         f'shapes: {matters(report)}; use a linear-probing '
                         "config of the checkpoint's architecture")
    return model


def read_label_map(path: str, num_classes: int) -> List[str]:
    """Class names, one per line as in mmaction2's label maps (line ``i``
    names class ``i``)."""
    if not osp.isfile(path):
        raise ValueError(f'label map {path} does not exist')
    with open(path, encoding='utf-8') as file:
        names = [line.strip() for line in file if line.strip()]
    if len(names) != num_classes:
        raise ValueError(
            f'label map {path} names {len(names)} classes but the head has '
            f'{num_classes}: give one name per line, class 0 first')
    return names


def _cache(name, folder, encode, dataset, wanted, flip, args):
    loaded = load_cache(folder, wanted)
    if loaded is not None:
        print(f'{name} features: reused {folder} '
              f'({loaded[0].shape[0]} videos x {loaded[0].shape[1]} views)')
        return loaded, 0.0
    start = time.perf_counter()
    with tqdm(total=len(dataset), desc=f'{name} features', unit='video',
              file=sys.stdout) as bar:
        loaded = extract_features(
            encode, dataset, folder, wanted, flip=flip,
            batch_size=args.extract_batch, num_workers=args.workers,
            progress=lambda done: bar.update(done - bar.n))
    return loaded, time.perf_counter() - start


def _data_record(dataset) -> Dict:
    """The dataset config and the sha256 of its annotation list (a list
    rewritten in place is another dataset)."""
    ann_file = dataset.get('ann_file')
    return dict(dataset=_plain(dataset), ann_file_sha256=file_digest(
        ann_file) if ann_file and osp.isfile(ann_file) else None)


def _readable(features, labels, manifest, name):
    """The rows of the videos that could be read (a :class:`RowSubset`
    of the memory map when some could not) and their labels."""
    failed = sorted(int(index) for index in manifest['failed'])
    for index in failed:
        print(f'  {name}: left out: {manifest["failed"][str(index)]}')
    if not failed:
        return features, labels
    keep = np.setdiff1d(np.arange(len(labels)), failed)
    return RowSubset(features, keep), labels[keep]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='linear-probing config')
    parser.add_argument('checkpoint', help='smile_mm or mmaction2 checkpoint')
    parser.add_argument('--work-dir', help='default: work_dirs/<config>_'
                        'cached')
    parser.add_argument('--split', default='test', choices=('test', 'val'),
                        help="evaluate on the config's test (multi-view) or "
                        'validation set')
    parser.add_argument('--train-clips', type=int, default=4,
                        help='evenly spaced clips per training video')
    parser.add_argument('--epochs', type=int,
                        help="default: the config's max_epochs")
    parser.add_argument('--batch-size', type=int,
                        help="videos per step (default: the config's "
                        'auto_scale_lr base_batch_size)')
    parser.add_argument('--knn-k', type=int, default=20)
    parser.add_argument('--knn-temperature', type=float, default=0.07)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--extract-batch', type=int, default=8,
                        help='videos per encoder call')
    parser.add_argument('--workers', type=int, default=4,
                        help='data-loading processes for extraction (at '
                        'most the cores of this process)')
    parser.add_argument('--label-map', help="mmaction2's label map (a class "
                        'name per line) for the confusion matrices')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    args = parser.parse_args(argv)
    if args.train_clips < 1:
        parser.error(f'--train-clips must be positive, got '
                     f'{args.train_clips}')
    if not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint} does not exist')

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    try:
        cfg = resolve_references(cfg)  # '${size}' and the like
    except ConfigSettingError as error:
        parser.error(str(error))
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0] + '_cached')
    os.makedirs(work_dir, exist_ok=True)
    recipe = recipe_of(cfg, args.batch_size, args.epochs, args.config)
    split = f'{args.split}_dataloader'
    if cfg.get(split) is None:
        parser.error(f'{args.config} has no {split}')
    args.workers = workers_within_cores(args.workers)
    # the weight-initialisation dump and key lists go to this file only
    log_file = osp.join(work_dir, 'probe_features.log')
    logger = MMLogger.get_instance(f'probe_features_{time.time_ns()}',
                                   log_file=log_file)
    quiet_console(logger)
    logger.info(f'The weight initialisation and the keys of the checkpoint '
                f'are in the log file {log_file}')

    try:
        model = load_model(cfg, args.checkpoint, logger)
        names = (read_label_map(args.label_map, model.cls_head.num_classes)
                 if args.label_map else None)
    except ValueError as error:
        parser.error(str(error))
    encode = Encoder(model, args.device)
    digest = file_digest(args.checkpoint)
    flip = flips_in_training(cfg, args.config)
    made_by = dict(checkpoint_sha256=digest,
                   model=_plain(cfg.model.backbone),
                   neck=_plain(cfg.model.get('neck')),
                   data_preprocessor=_plain(cfg.model.data_preprocessor))
    train_cfg = train_views_dataset(cfg, args.train_clips, args.config)
    test_cfg = cfg[split].dataset
    try:  # a list with a bad line stops the tool before any extraction
        train_set, test_set = (DATASETS.build(train_cfg),
                               DATASETS.build(test_cfg))
    except AnnotationError as error:
        parser.error(str(error))
    (train_x, train_y, train_m), train_s = _cache(
        'train', osp.join(work_dir, 'features', 'train'), encode, train_set,
        dict(made_by, **_data_record(train_cfg), flip=flip), flip, args)
    (test_x, test_y, test_m), test_s = _cache(
        args.split, osp.join(work_dir, 'features', args.split), encode,
        test_set, dict(made_by, **_data_record(test_cfg), flip=False), False,
        args)
    train_x, train_y = _readable(train_x, train_y, train_m, 'train')
    test_x, test_y = _readable(test_x, test_y, test_m, args.split)

    head = model.cls_head
    classifier = getattr(head, 'fc_cls', None)
    if not isinstance(classifier, torch.nn.Linear):
        raise ValueError(f'{type(head).__name__} has no linear fc_cls; the '
                         'cached probe trains one linear layer')
    if classifier.in_features != train_x.shape[-1]:
        raise ValueError(f'the head reads {classifier.in_features} features '
                         f'but the encoder gives {train_x.shape[-1]}: set '
                         'model.cls_head.in_channels')
    average = getattr(head, 'average_clips', 'prob')
    if average not in ('prob', 'score') or getattr(
            head, 'dropout_ratio', 0) or len(list(head.parameters())) != 2:
        raise ValueError(
            f'{type(head).__name__} (average_clips={average!r}, dropout '
            f'{getattr(head, "dropout_ratio", 0)}): the cached probe trains '
            "the head's one linear layer without dropout and averages test "
            "views by 'prob' or 'score', as the linear-probing configs do")
    if max(train_y.max(), test_y.max()) >= classifier.out_features:
        raise ValueError(
            f'labels go up to {max(train_y.max(), test_y.max())} but the '
            f'head has {classifier.out_features} classes: set '
            f'model.cls_head.num_classes')
    torch.manual_seed(args.seed)
    head.init_weights()  # the classifier starts as the config's does
    start = time.perf_counter()
    with tqdm(total=recipe['epochs'], desc='linear probe', unit='epoch',
              file=sys.stdout) as bar:
        history = train_linear_probe(
            train_x, train_y, classifier, recipe['epochs'],
            recipe['batch_size'], recipe['lr'], recipe['weight_decay'],
            tuple(recipe['betas']), recipe['min_lr'], args.seed,
            args.device, progress=lambda epoch, loss: (
                bar.update(1), bar.set_postfix(loss=f'{loss:.4f}')))
    linear_scores = multiview_scores(classifier, test_x, average,
                                     device=args.device).numpy()
    linear_s = time.perf_counter() - start

    start = time.perf_counter()

    def pooled(features, chunk=4096):
        """Mean of each video's L2-normalised views, read chunk by chunk."""
        return torch.cat([torch.nn.functional.normalize(
            torch.from_numpy(np.array(features[i:i + chunk], np.float32)),
            dim=-1).mean(1) for i in range(0, len(features), chunk)])

    k = min(args.knn_k, len(train_y))
    knn_scores = weighted_knn_scores(
        pooled(train_x).to(args.device),
        torch.from_numpy(train_y).to(args.device),
        pooled(test_x).to(args.device), classifier.out_features, k,
        args.knn_temperature).cpu().numpy()
    knn_s = time.perf_counter() - start

    results = dict(
        config=args.config, checkpoint=args.checkpoint,
        checkpoint_sha256=digest, split=args.split,
        linear=classification_metrics(linear_scores, test_y),
        knn=classification_metrics(knn_scores, test_y),
        recipe=dict(recipe, train_views=int(train_x.shape[1]),
                    test_views=int(test_x.shape[1]), flip=flip,
                    seed=args.seed, final_loss=history[-1]),
        knn_recipe=dict(k=k, temperature=args.knn_temperature,
                        similarity='cosine'),
        videos=dict(train=int(len(train_y)), test=int(len(test_y)),
                    failed={'train': train_m['failed'],
                            args.split: test_m['failed']}),
        seconds=dict(train_features=round(train_s, 2),
                     test_features=round(test_s, 2),
                     linear=round(linear_s, 2), knn=round(knn_s, 2)))
    for name, scores in (('linear', linear_scores), ('knn', knn_scores)):
        write_whole(osp.join(work_dir, f'scores_{name}.npy'),
                    lambda file, scores=scores: np.save(file, scores))
        save_confusion_matrix(scores, test_y,
                              osp.join(work_dir, f'confusion_{name}.png'),
                              f'{name}: top-1 {results[name]["top1"]:.1f} %',
                              class_names=names)
    write_whole(osp.join(work_dir, 'results.json'), lambda file: file.write(
        json.dumps(results, indent=1).encode()))
    checkpoint = dict(
        meta=dict(smile_mm_cached_linear_probe=results['recipe'],
                  config=args.config),
        state_dict=model.cpu().state_dict())  # keeps the grid record
    write_whole(osp.join(work_dir, 'linear_probe.pth'),
                lambda file: torch.save(checkpoint, file))
    for name in ('linear', 'knn'):
        metrics = results[name]
        print(f'{name:>6}: top-1 {metrics["top1"]:.2f}  top-5 '
              f'{metrics["top5"]:.2f}  mean class '
              f'{metrics["mean_class_accuracy"]:.2f}  ({len(test_y)} '
              f'{args.split} videos)')
    print(f'-> {work_dir}/results.json, confusion_*.png, linear_probe.pth')
    failed = len(train_m['failed']) + len(test_m['failed'])
    if failed:
        print(f'{failed} video(s) could not be read and were left out '
              '(listed above and in results.json)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
