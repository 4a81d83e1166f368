"""A smile_mm config's top-level entries all reach the run: what the runner
reads, and settings that references lead to from there; anything else is
an error that names it, the closest entries and the fix."""
import pytest
from mmengine.config import Config

from smile_mm.engine import ConfigSettingError, resolve_references
from smile_mm.engine.config_settings import RUN_KEYS, unreached_settings

SMILE = dict(custom_imports=dict(imports=['smile_mm']))


def smile_config(**entries):
    return Config(dict(SMILE, **entries))


def test_run_keys_are_mmengines_runner_arguments_and_the_tools_keys():
    import inspect

    from mmengine.runner import Runner
    assert set(inspect.signature(Runner.__init__).parameters) - {
        'self', 'cfg'} <= RUN_KEYS
    assert {'custom_imports', 'runner_type', 'strategy', 'model_wrapper_cfg',
            'test_pipeline'} <= RUN_KEYS
    assert not {'size', 'num_classes', 'train_pipeline'} & RUN_KEYS


def test_settings_reach_through_chains_of_references():
    entries = dict(
        SMILE, size=112, crop='${size}', unused=1, only_read_by_unused=2,
        loop='${loop}', model=dict(img_size='${crop}',
                                   head='${model_head.width}'),
        model_head=dict(width=3),
        stray=dict(a='${only_read_by_unused}'))
    assert unreached_settings(entries) == {
        'unused': [], 'only_read_by_unused': ['stray'], 'loop': [],
        'stray': []}


def test_a_typo_names_the_setting_and_the_closest_ones():
    cfg = smile_config(num_classes=400, model=dict(n='${num_classes}'),
                       num_clases=2)
    with pytest.raises(ConfigSettingError) as error:
        resolve_references(cfg)
    message = str(error.value)
    assert 'num_clases: no part of the config reads it' in message
    assert 'did you mean num_classes?' in message
    assert 'settings this config reads: num_classes' in message


def test_a_setting_read_only_by_unread_ones_says_which():
    cfg = smile_config(clip_weights='a.bin',
                       clip_target=dict(pretrained='${clip_weights}'),
                       model=dict(target='pixels'))
    with pytest.raises(ConfigSettingError,
                       match='clip_weights: only clip_target refer'):
        resolve_references(cfg)


def test_a_setting_whose_reader_was_replaced_says_to_set_it_instead(
        tmp_path):
    """The files read num_classes; an option replaced its only reader."""
    path = tmp_path / 'config.py'
    path.write_text("custom_imports = dict(imports=['smile_mm'])\n"
                    'num_classes = 400\n'
                    "model = dict(head=dict(num_classes='${num_classes}'))\n")
    cfg = Config.fromfile(str(path))
    cfg.merge_from_dict({'model.head.num_classes': 2})
    with pytest.raises(ConfigSettingError,
                       match=r'num_classes: no part of the config reads it '
                       r'any more: model.head.num_classes was set directly; '
                       r'set num_classes instead, or, in a child config .*'
                       r'retire it with num_classes = None'):
        resolve_references(cfg)


def test_a_new_key_named_like_a_part_names_that_parts_path():
    """--cfg-options batch_size=8 meant the loader's batch size."""
    cfg = smile_config(train_dataloader=dict(batch_size=16, size='${size}'),
                       size=2)
    cfg.merge_from_dict({'batch_size': 8})
    with pytest.raises(ConfigSettingError,
                       match=r'batch_size: no part of the config reads it; '
                       r'the run has a part of that name: set it by its path '
                       r'\(train_dataloader.batch_size=...\)'):
        resolve_references(cfg)


def test_a_setting_set_to_none_is_retired():
    """A child that replaces every reader of a base's setting says so."""
    cfg = smile_config(min_lr=None, param_scheduler=[dict(type='ConstantLR')])
    assert 'min_lr' not in resolve_references(cfg)
    cfg.merge_from_dict({'min_lr': 1e-5})
    with pytest.raises(ConfigSettingError, match='min_lr'):
        resolve_references(cfg)


def test_a_config_that_writes_references_is_checked_without_imports():
    """The dataset bases (pretrain_k400.py) import nothing themselves."""
    cfg = Config(dict(size=112, data_rot='x',
                      train_dataloader=dict(crop='${size}')))
    with pytest.raises(ConfigSettingError, match='data_rot'):
        resolve_references(cfg)


def test_configs_that_do_not_import_smile_mm_are_not_checked():
    """mmaction2's own configs keep their helper entries (train_pipeline,
    dataset_type ...) through smile_mm.apis and the tools."""
    cfg = Config(dict(dataset_type='VideoDataset', train_pipeline=[],
                      model=dict(type='Recognizer3D')))
    assert resolve_references(cfg).to_dict() == cfg.to_dict()


def test_double_underscore_helpers_of_a_config_file_are_dropped(tmp_path):
    """How a smile_mm config keeps a helper of one file: mmengine drops
    names that start with two underscores."""
    path = tmp_path / 'helpers.py'
    path.write_text("custom_imports = dict(imports=['smile_mm'])\n"
                    "__steps = [dict(type='A')]\n"
                    "train_dataloader = dict(dataset=dict(pipeline=__steps))\n")
    cfg = resolve_references(Config.fromfile(str(path)))
    assert set(cfg) == {'custom_imports', 'train_dataloader'}


def test_none_retires_a_setting_the_files_write_not_a_typo(tmp_path):
    """--cfg-options num_clases=None is a typo; a retired setting is not
    offered, and one whose readers a child replaced is not said to have
    been set directly."""
    path = tmp_path / 'config.py'
    path.write_text("custom_imports = dict(imports=['smile_mm'])\n"
                    'num_classes = 400\nframe_interval = None\n'
                    "model = dict(head=dict(num_classes='${num_classes}'),\n"
                    "             step='${frame_interval}')\n"
                    'model.update(step=2)\n')
    cfg = Config.fromfile(str(path))
    resolve_references(cfg)  # frame_interval is retired: no error
    cfg.merge_from_dict({'num_clases': None, 'frame_interval': 2})
    with pytest.raises(ConfigSettingError) as error:
        resolve_references(cfg)
    message = str(error.value)
    assert ('num_clases: no part of the config reads it; did you mean '
            'num_classes?') in message
    assert 'frame_interval: no part of the config reads it any more\n' \
        in message
    assert 'Set one of the settings this config reads: num_classes;' \
        in message
