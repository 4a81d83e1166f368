"""SMILERunner: references resolved before anything is built, the config in
the work dir written with its references, a console without the dumps that
the log file keeps; the layer-decay constructor logs the classifier's lr."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from smile_mm.engine import build_runner
from smile_mm.engine.console_log import FILE_ONLY

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNTIME = osp.join(ROOT, 'configs', '_base_', 'default_runtime.py')
SCHEDULE = osp.join(ROOT, 'configs', '_base_', 'schedules',
                    'finetune_100e.py')

CONFIG = '''
_base_ = [{runtime!r}, {schedule!r}]
size = 32
clip_len = 4
num_classes = 3
model = dict(
    type='Recognizer3D',
    backbone=dict(type='SMILEVisionTransformer', arch='small',
                  img_size='${{size}}', num_frames='${{clip_len}}',
                  embed_dims=32, depth=2, num_heads=2),
    cls_head=dict(type='TimeSformerHead', num_classes='${{num_classes}}',
                  in_channels=32),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW'))
# never built here: the runner wants a loader beside a train_cfg
train_dataloader = dict(batch_size=1, sampler=dict(type='DefaultSampler'),
                        dataset=dict(type='TolerantVideoDataset',
                                     ann_file='none.txt', pipeline=[]))
val_cfg = None
test_cfg = None
'''


@pytest.fixture
def config(tmp_path):
    path = tmp_path / 'recognizer.py'
    path.write_text(CONFIG.format(runtime=RUNTIME, schedule=SCHEDULE))
    return str(path)


def test_references_resolve_and_the_work_dir_copy_keeps_them(config,
                                                             tmp_path):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({'size': 48, 'work_dir': str(tmp_path / 'work')})
    runner = build_runner(cfg)
    assert type(runner).__name__ == 'SMILERunner'
    assert runner.model.backbone.grid == (2, 3, 3)
    assert runner.model.cls_head.fc_cls.out_features == 3
    assert runner.cfg.model.backbone.img_size == 48  # what ran
    saved = Config.fromfile(str(tmp_path / 'work' / 'recognizer.py'))
    assert saved.size == 48
    assert saved.model.backbone.img_size == '${size}'
    saved.merge_from_dict({'size': 64})
    assert build_runner(saved).model.backbone.grid == (2, 4, 4)


def console_and_log_file(cfg, tmp_path, capsys, name):
    """(console, log file, its text) of building a runner and its optimizer
    (a logger of its own: ``name``)."""
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = name
    runner = build_runner(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    console = capsys.readouterr().out
    log_file, = glob.glob(str(tmp_path / 'work' / '*' / '*.log'))
    with open(log_file) as file:
        return console, log_file, file.read()


def test_the_console_leaves_to_the_log_file_what_only_it_needs(
        config, tmp_path, capsys):
    console, log_file, logged = console_and_log_file(
        Config.fromfile(config), tmp_path, capsys, 'console')
    for start in ('System environment:', 'Config:', 'Hooks will be executed',
                  'Param groups = ', 'set param backbone.blocks.0'):
        assert start in logged
        assert start not in console
    assert f'are in the log file {log_file}' in console
    assert 'Seed 0, one process.' in console
    assert 'Layer-wise lr decay 0.75 over 2 blocks' in console
    assert len(console.splitlines()) < 10
    assert all(start in logged for start in FILE_ONLY[:5])


def test_the_console_leaves_out_mmengines_per_parameter_lines(
        tmp_path, capsys):
    from ..tiny_config import write_tiny_config
    cfg = Config.fromfile(write_tiny_config(tmp_path))
    cfg.optim_wrapper.paramwise_cfg = dict(norm_decay_mult=0.0,
                                           bias_decay_mult=0.0)
    console, _, logged = console_and_log_file(cfg, tmp_path, capsys,
                                              'paramwise')
    assert logged.count('paramwise_options -- ') > 5
    assert 'paramwise_options' not in console


def test_layer_decay_groups_start_with_the_classifier(config, tmp_path):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    groups = wrapper.optimizer.param_groups
    scales = [group['lr_scale'] for group in groups]
    assert scales == sorted(scales, reverse=True)
    names = [n for group in groups[:2] for n in group['param_names']]
    assert 'cls_head.fc_cls.weight' in names
    # the lr mmengine logs (the first group's) is the config's, as base_lr
    lrs = wrapper.get_lr()
    assert lrs['lr'][0] == pytest.approx(lrs['base_lr'][0])
    # depth 2: the patch embedding gets 0.75 ** 3, block 1 0.75 ** 1
    by_name = {n: group['lr_scale'] for group in groups
               for n in group['param_names']}
    assert by_name['backbone.patch_embed.projection.weight'] == \
        pytest.approx(0.75 ** 3)
    assert by_name['backbone.blocks.1.attn.qkv.weight'] == \
        pytest.approx(0.75)
    every = {n for n, p in runner.model.named_parameters() if p.requires_grad}
    assert set(by_name) == every


def test_layer_decay_of_another_depth_than_the_backbone_is_an_error(
        config, tmp_path):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.optim_wrapper.paramwise_cfg.num_layers = 12
    runner = build_runner(cfg)
    with pytest.raises(ValueError, match='num_layers is 12, but the '
                       'backbone has 2 blocks'):
        runner.build_optim_wrapper(runner.optim_wrapper)


def test_layer_decay_gives_mmaction2s_scales_where_the_depths_agree():
    """The same scales as mmaction2's own constructor given the depth."""
    init_default_scope('mmaction')
    from mmaction.registry import MODELS
    from mmengine.optim import build_optim_wrapper
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='SMILEVisionTransformer', arch='small',
                      img_size=32, num_frames=4, embed_dims=32, depth=3,
                      num_heads=2),
        cls_head=dict(type='TimeSformerHead', num_classes=2,
                      in_channels=32)))
    optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.05)
    ours = build_optim_wrapper(model, dict(
        optimizer=optimizer, constructor='LayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(decay_rate=0.75, decay_type='layer_wise')))
    theirs = build_optim_wrapper(model, dict(
        optimizer=optimizer,
        constructor='LearningRateDecayOptimizerConstructor',
        paramwise_cfg=dict(decay_rate=0.75, decay_type='layer_wise',
                           num_layers=3)))

    def by_group(wrapper):
        return {g['group_name']: (g['lr'], g['weight_decay'],
                                  g['param_names'])
                for g in wrapper.optimizer.param_groups}

    assert by_group(ours) == by_group(theirs)
    assert torch.is_tensor(ours.optimizer.param_groups[0]['params'][0])


def test_other_runners_get_the_config_resolved(config, tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'plain')
    cfg.pop('runner_type')  # mmengine's own Runner
    runner = build_runner(cfg)
    assert type(runner) is Runner
    assert runner.model.backbone.grid == (2, 2, 2)


def test_positional_arguments_are_resolved_too(config, tmp_path):
    from smile_mm.engine import SMILERunner
    cfg = Config.fromfile(config)
    runner = SMILERunner(cfg.model, str(tmp_path / 'positional'),
                         cfg=cfg, train_dataloader=cfg.train_dataloader,
                         train_cfg=cfg.train_cfg,
                         optim_wrapper=cfg.optim_wrapper,
                         default_scope=cfg.default_scope)
    assert runner.model.backbone.grid == (2, 2, 2)


def test_mmengines_file_client_warnings_stay_in_the_log_file(tmp_path):
    """mmaction2's decoders create mmengine FileClients, which warn on every
    run; the console drops it, the log file keeps it."""
    import io
    import logging

    from mmengine.fileio import FileClient
    from mmengine.logging import MMLogger

    from smile_mm.engine.console_log import quiet_console
    log_file = str(tmp_path / 'run.log')
    logger = MMLogger.get_instance('file_client_check', log_file=log_file)
    console = io.StringIO()
    handler = logging.StreamHandler(console)
    logger.addHandler(handler)
    quiet_console(logger)
    FileClient('disk')  # warns through the current logger
    handler.flush()
    for h in logger.handlers:
        h.flush()
    assert '"FileClient" will be deprecated' in open(log_file).read()
    assert 'FileClient' not in console.getvalue()


def test_a_load_outside_smile_mm_keeps_its_key_lists_on_the_console(
        capsys):
    """Only smile_mm's own loads sum the key lists up in one line; a load
    through init_cfg=Pretrained or mmengine's load_checkpoint shows them."""
    from mmengine.logging import MMLogger
    from mmengine.runner.checkpoint import load_state_dict

    from smile_mm.engine.console_log import quiet_console
    logger = MMLogger.get_instance('a_load_outside', log_level='INFO')
    quiet_console(logger)
    load_state_dict(torch.nn.Linear(2, 2), {'weight': torch.zeros(2, 2)},
                    logger=logger)
    assert 'missing keys in source state_dict: bias' in \
        capsys.readouterr().out
