"""Config references: every '${...}' resolves to the entry it names, after
child configs and --cfg-options; errors name the reference and the fix."""
import pytest
from mmengine.config import Config

from smile_mm.engine import is_reference, resolve_references
from smile_mm.engine.config_references import resolve_value
from smile_mm.models import SMILEVisionTransformer


def resolved(**entries):
    """Every entry resolved against the others: the resolution alone (a
    whole config also needs each setting read by the run, see
    test_config_settings.py)."""
    root = Config(entries).to_dict()
    return Config({key: resolve_value(value, root, key)
                   for key, value in root.items()})


def test_a_whole_reference_keeps_the_type_of_what_it_names():
    pipeline = resolved(size=112, views=[1, 2], pipeline=[
        dict(type='Resize', scale=('${size}', '${size}')),
        dict(type='Crop', crop_size='${size}', sizes='${views}')]).pipeline
    assert pipeline[0]['scale'] == (112, 112)
    assert isinstance(pipeline[0]['scale'], tuple)
    assert pipeline[1]['crop_size'] == 112
    assert pipeline[1]['sizes'] == [1, 2]


def test_dotted_paths_list_indices_and_references_to_references():
    done = resolved(
        num_classes=5,
        model=dict(cls_head=dict(num_classes='${num_classes}'),
                   blending=[dict(num_classes='${model.cls_head.num_classes}')]),
        first='${model.blending.0.num_classes}')
    assert done.model.blending[0]['num_classes'] == 5
    assert done.first == 5


def test_a_reference_inside_a_string_is_formatted_into_it():
    assert resolved(root='data/ucf', fold=1,
                    ann='${root}/split_${fold}.txt').ann == 'data/ucf/split_1.txt'


def test_the_config_itself_is_left_as_written(tmp_path):
    path = tmp_path / 'config.py'
    path.write_text("size = 112\nmodel = dict(crop='${size}')\n")
    cfg = Config.fromfile(str(path))
    done = resolve_references(cfg)
    assert cfg.model.crop == '${size}' and done.model.crop == 112
    assert done.filename == str(path)
    assert resolve_references(done).to_dict() == done.to_dict()


def test_an_override_after_parsing_reaches_every_reference():
    cfg = Config(dict(size=224, model=dict(crop='${size}'),
                      param_scheduler=['${size}']))
    cfg.merge_from_dict({'size': 96})  # what --cfg-options size=96 does
    done = resolve_references(cfg)
    assert done.model.crop == 96 and done.param_scheduler == [96]


def test_a_missing_entry_names_the_reference_where_it_is_and_the_fix():
    cfg = Config(dict(model=dict(head=dict(num_classes='${num_classes}'))))
    with pytest.raises(KeyError) as error:
        resolve_references(cfg)
    message = str(error.value)
    assert 'model.head.num_classes refers to ${num_classes}' in message
    assert '--cfg-options num_classes=' in message


def test_a_cycle_is_an_error_that_shows_it():
    with pytest.raises(ValueError, match=r'cycle: \$\{a\} -> \$\{b\} -> '
                       r'\$\{c\} -> \$\{a\}'):
        resolved(a='${b}', b='${c}', c='${a}')


def test_only_strings_and_numbers_go_into_strings():
    with pytest.raises(ValueError, match=r"name: 'clip_\$\{views\}' puts "):
        resolved(views=[1, 2], name='clip_${views}')


def test_strings_without_references_and_other_objects_pass_through():
    marker = object()
    cfg = dict(price='$5', brace='{size}', thing=marker)
    done = resolve_references(Config(dict(price='$5', brace='{size}')))
    assert done.price == '$5' and done.brace == '{size}'
    assert resolve_value(cfg, {})['thing'] is marker
    assert is_reference('${size}') and is_reference('a/${b}/c')
    assert not is_reference('$size') and not is_reference(224)


def test_an_encoder_given_a_reference_names_the_bad_value():
    """References are resolved with the config (SMILERunner, the tools);
    model code only checks its own arguments."""
    with pytest.raises(TypeError, match=r"img_size must be an int, got "
                       r"'\$\{size\}'"):
        SMILEVisionTransformer(arch='small', img_size='${size}')


def test_resolving_folds_the_settings_into_where_they_are_read():
    cfg = Config(dict(size=112, model=dict(img_size='${size}'),
                      train_cfg=dict(a=1)))
    done = resolve_references(cfg)
    assert done.to_dict() == dict(model=dict(img_size=112),
                                  train_cfg=dict(a=1))
    assert resolve_references(done).to_dict() == done.to_dict()


def test_dollar_dollar_is_literal_text():
    done = resolved(size=1, out='$${HOME}/runs', mixed='$${size}-${size}')
    assert done.out == '${HOME}/runs'
    assert done.mixed == '${size}-1'
    assert not is_reference('$${HOME}')


def test_a_path_may_lead_through_an_entry_that_refers_elsewhere():
    assert resolved(
        train_pipeline=[dict(type='SampleFrames', clip_len=16)],
        loader=dict(pipeline='${train_pipeline}'),
        first='${loader.pipeline.0.type}').first == 'SampleFrames'


def test_a_reference_followed_by_a_newline_is_no_whole_reference():
    assert resolved(size=112, line='${size}\n').line == '112\n'


def test_arithmetic_of_numbers_is_computed_with_their_type():
    done = resolved(stage=150, warmup=20, rate=0.5, name='k400',
                    both='2 * ${stage}', end='${stage} + ${warmup}',
                    cosine='(${stage} - ${warmup}) // 3', half='${stage} / 4',
                    scaled='${rate} * 3', negative='-${warmup}',
                    words='${name}-${name}', spaced='${stage} ${warmup}',
                    dotted='${stage}.${warmup}')
    assert done.both == 300 and type(done.both) is int
    assert done.end == 170
    assert done.cosine == 43
    assert done.half == 37.5
    assert done.scaled == 1.5
    assert done.negative == -20
    # strings and strings without an operator are formatted, not computed
    assert done.words == 'k400-k400'
    assert done.spaced == '150 20' and done.dotted == '150.20'


@pytest.mark.parametrize('text, message', [
    ('${stage} // 0', 'division'),
    ('${stage} ** 2', r'only numbers, \+ - \* / //'),
    ('${stage} +', 'invalid syntax'),
])
def test_arithmetic_that_cannot_be_computed_names_the_entry(text, message):
    with pytest.raises(ValueError, match=rf"bad: cannot compute .*{message}"):
        resolved(stage=3, bad=text)
