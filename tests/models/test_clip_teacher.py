"""CLIPTeacher against OpenAI CLIP's architecture and the real layouts of
every CLIP weight file: the reference tower (``clip_reference.py``) is
written from the published description, transformers' CLIP is run as it
is, and each file must give the reference's patch features."""
import json
import logging

import open_clip
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from smile_mm.models import CLIPTeacher
from smile_mm.models.target_generators.base import INPUT_NORMS
from smile_mm.models.target_generators.clip_weights import CLIPWeightsError
from smile_mm.models.utils import mask_indices

from .clip_reference import (make_reference, quick_gelu, save_layouts,
                             write_open_clip_config)

GRID = (2, 4, 4)  # 4 frames of 64 x 64, the tiny tower's 4 x 4 patches
LAYOUTS = ('open_clip_pytorch_model.bin', 'open_clip_full.pt',
           'open_clip_model.safetensors', 'tower_visual.pt',
           'tower_visual_no_proj.pt', 'ViT-B-16_authors.pt',
           'tower_no_proj.pth', 'ViT-B-16.pt')


def normalised(raw, norm):
    mean, std = INPUT_NORMS[norm]
    return ((raw - torch.tensor(mean).view(1, 3, 1, 1, 1)) /
            torch.tensor(std).view(1, 3, 1, 1, 1))


def first_frames(raw, norm='clip'):
    """Frames 0, 2, ... of raw 0-255 clips, normalised: [B * T', 3, H, W]."""
    return normalised(raw, norm)[:, :, ::2].transpose(1, 2).flatten(0, 1)


@pytest.fixture(scope='module')
def reference():
    return make_reference(seed=5)


@pytest.fixture(scope='module')
def layouts(reference, tmp_path_factory):
    return save_layouts(reference, str(tmp_path_factory.mktemp('clip')))


@pytest.fixture(scope='module')
def clip_raw():
    torch.manual_seed(2)
    return torch.randint(0, 256, (2, 3, 4, 64, 64)).float()


def teacher_of(name, path, **kwargs):
    """Float32 unless told: the reference comparisons are exact."""
    kwargs.setdefault('dtype', 'fp32')
    return CLIPTeacher(name, pretrained=str(path), grid=GRID, **kwargs)


@pytest.mark.parametrize('layout', LAYOUTS)
def test_every_layout_gives_the_reference_features(tiny_clip_name, reference,
                                                   layouts, clip_raw, layout):
    """The GELU fault: open_clip's ViT-B-16 config is GELU, OpenAI's CLIP is
    QuickGELU; these features differ by far more than 1e-5."""
    teacher = teacher_of(tiny_clip_name, layouts[layout])
    assert teacher.quick_gelu
    assert isinstance(teacher.visual.transformer.resblocks[0].mlp.gelu,
                      open_clip.transformer.QuickGELU)
    video = normalised(clip_raw, 'imagenet')  # what the preprocessor gives
    with torch.no_grad():
        expected = reference(first_frames(clip_raw))
    torch.testing.assert_close(teacher(video), expected.reshape(2, 32, 64),
                               atol=1e-5, rtol=1e-5)
    if 'no_proj' not in layout:
        projected = teacher_of(tiny_clip_name, layouts[layout],
                               with_proj=True)
        with torch.no_grad():
            expected = reference(first_frames(clip_raw), project=True)
        torch.testing.assert_close(projected(video),
                                   expected.reshape(2, 32, 32), atol=1e-5,
                                   rtol=1e-5)


def test_gelu_would_give_other_features(tiny_clip_name, reference, layouts,
                                        clip_raw):
    """The reference tests can fail: a GELU tower is off by far more."""
    gelu = teacher_of(tiny_clip_name, layouts['tower_visual.pt'],
                      quick_gelu=False)
    with torch.no_grad():
        expected = reference(first_frames(clip_raw)).reshape(2, 32, 64)
    assert (gelu(normalised(clip_raw, 'imagenet')) -
            expected).abs().max() > 1e-2


def captured_log(build):
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    MMLogger.get_current_instance().addHandler(handler)
    try:
        result = build()
        result.log()
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    return result, '\n'.join(lines)


def test_log_names_activation_and_what_was_left_out(tiny_clip_name, layouts):
    _, line = captured_log(lambda: teacher_of(
        tiny_clip_name, layouts['open_clip_pytorch_model.bin']))
    assert 'QuickGELU MLPs' in line
    assert 'nothing in or beside the weights says otherwise' in line
    assert 'left out: ln_final.* (2), logit_scale' in line
    assert 'proj (the image projection: with_proj=False)' in line
    assert 'transformer.* (12)' in line  # the text tower's block
    _, line = captured_log(lambda: teacher_of(tiny_clip_name,
                                              layouts['ViT-B-16.pt']))
    assert "OpenAI's TorchScript archive" in line
    assert 'input_resolution' in line  # the archive's scalars, left out
    _, line = captured_log(lambda: teacher_of(
        tiny_clip_name, layouts['tower_no_proj.pth']))
    assert 'left out' not in line


def test_a_tower_without_proj_cannot_project(tiny_clip_name, layouts):
    with pytest.raises(CLIPWeightsError, match=r"missing \['proj'\]"):
        teacher_of(tiny_clip_name, layouts['tower_no_proj.pth'],
                   with_proj=True)


def test_missing_and_unexpected_tower_keys_are_errors(tiny_clip_name,
                                                      reference, tmp_path):
    state = reference.state_dict()
    broken = {k: v for k, v in state.items() if k != 'ln_post.weight'}
    torch.save(broken, tmp_path / 'broken.pt')
    with pytest.raises(CLIPWeightsError, match=r"missing \['ln_post.weight"):
        teacher_of(tiny_clip_name, tmp_path / 'broken.pt')
    extra = dict(state, **{'transformer.resblocks.9.ln_1.weight':
                           torch.ones(64)})
    torch.save(extra, tmp_path / 'extra.pt')
    with pytest.raises(CLIPWeightsError, match='unexpected.*resblocks.9'):
        teacher_of(tiny_clip_name, tmp_path / 'extra.pt')


def test_other_files_say_what_they_are(tiny_clip_name, reference, tmp_path):
    from mmengine.logging import HistoryBuffer
    torch.save({'meta': {'epoch': 3}, 'state_dict': {
        'backbone.patch_embed.projection.weight': torch.ones(2)},
        'message_hub': {'loss': HistoryBuffer()}}, tmp_path / 'epoch_3.pth')
    with pytest.raises(CLIPWeightsError,
                       match='is an mmengine training checkpoint'):
        teacher_of(tiny_clip_name, tmp_path / 'epoch_3.pth')
    torch.save({'state_dict': {'backbone.pos_embed': torch.ones(2)}},
               tmp_path / 'converted.pth')
    with pytest.raises(CLIPWeightsError, match='video model checkpoint'):
        teacher_of(tiny_clip_name, tmp_path / 'converted.pth')
    (tmp_path / 'junk.bin').write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CLIPWeightsError, match='could not be read'):
        teacher_of(tiny_clip_name, tmp_path / 'junk.bin')
    # a tower of another width and patch size (a ViT-L/14-like file)
    wide = make_reference(width=96, patch=8, heads=3)
    torch.save(wide.state_dict(), tmp_path / 'wide.pt')
    with pytest.raises(CLIPWeightsError,
                       match=r'96 wide, 8 px patches, 2 blocks, 8x8 patch '
                       r'grid, but open_clip .* is 64 wide, 16 px patches'):
        teacher_of(tiny_clip_name, tmp_path / 'wide.pt')
    with pytest.raises(FileNotFoundError, match='missing.pt'):
        teacher_of(tiny_clip_name, tmp_path / 'missing.pt')
    with pytest.raises(ValueError, match='open_clip has no model'):
        teacher_of('ViT-X-99', tmp_path / 'wide.pt')
    with pytest.raises(ValueError, match='neither a file nor an open_clip '
                       'tag'):
        CLIPTeacher('ViT-B-16', pretrained='no-such-tag', grid=(8, 14, 14))


@pytest.mark.parametrize('act', ['quick_gelu', 'gelu'])
@pytest.mark.parametrize('head', ['vision', 'projection', 'full'])
def test_transformers_clip_files(tiny_clip_name, tmp_path, clip_raw, act,
                                 head):
    """transformers' own CLIP, saved with save_pretrained, is the
    reference; its config.json says which activation to build."""
    from transformers import (CLIPConfig, CLIPModel, CLIPVisionConfig,
                              CLIPVisionModel, CLIPVisionModelWithProjection)
    vision = dict(hidden_size=64, intermediate_size=256,
                  num_hidden_layers=2, num_attention_heads=2, image_size=64,
                  patch_size=16, projection_dim=32, hidden_act=act)
    torch.manual_seed(7)
    if head == 'vision':  # no projection in the file
        model = CLIPVisionModel(CLIPVisionConfig(**vision))
        # transformers 5: the vision transformer itself, saved unprefixed
        tower, projection = getattr(model, 'vision_model', model), None
    elif head == 'projection':
        model = CLIPVisionModelWithProjection(CLIPVisionConfig(**vision))
        tower, projection = model.vision_model, model.visual_projection
    else:
        model = CLIPModel(CLIPConfig(
            vision_config=vision, projection_dim=32,
            text_config=dict(hidden_size=32, intermediate_size=64,
                             num_hidden_layers=1, num_attention_heads=2,
                             vocab_size=64, max_position_embeddings=8)))
        tower, projection = model.vision_model, model.visual_projection
    with torch.no_grad():  # LayerNorm gains away from 1 so that they count
        for name, param in model.named_parameters():
            if 'norm' in name and name.endswith('weight'):
                param.copy_(1 + 0.2 * torch.randn_like(param))
    model.eval().save_pretrained(tmp_path / 'hf')
    with torch.no_grad():
        hidden = tower(pixel_values=first_frames(clip_raw)).last_hidden_state
        tokens = tower.post_layernorm(hidden)[:, 1:]
    path = tmp_path / 'hf' / 'model.safetensors'
    teacher = teacher_of(tiny_clip_name, path)
    assert teacher.quick_gelu == (act == 'quick_gelu')
    video = normalised(clip_raw, 'imagenet')
    torch.testing.assert_close(teacher(video), tokens.reshape(2, 32, 64),
                               atol=1e-5, rtol=1e-5)
    if projection is not None:
        with torch.no_grad():
            projected = projection(tokens).reshape(2, 32, 32)
        torch.testing.assert_close(
            teacher_of(tiny_clip_name, path, with_proj=True)(video),
            projected, atol=1e-5, rtol=1e-5)
    _, line = captured_log(lambda: teacher)
    # transformers 4 leaves a default (quick_gelu) out of config.json
    assert (f"hidden_act='{act}' in its config.json" in line
            or act == 'quick_gelu' and "no hidden_act in its config.json: "
            "transformers' CLIP default, 'quick_gelu'" in line)
    if head == 'full':
        assert 'text_model.* (' in line and 'logit_scale' in line


def test_open_clip_config_beside_a_file_decides_the_activation(
        tiny_clip_name, reference, tmp_path, clip_raw):
    folder = tmp_path / 'laion'
    folder.mkdir()
    torch.save({f'visual.{k}': v for k, v in reference.state_dict().items()},
               folder / 'open_clip_pytorch_model.bin')
    write_open_clip_config(str(folder), quick_gelu=False)
    teacher = teacher_of(tiny_clip_name,
                         folder / 'open_clip_pytorch_model.bin')
    assert not teacher.quick_gelu
    assert isinstance(teacher.visual.transformer.resblocks[0].mlp.gelu,
                      torch.nn.GELU)
    assert 'quick_gelu=False in its open_clip_config.json' in \
        teacher.describe()
    with pytest.raises(ValueError, match='contradicts quick_gelu=False in '
                       'its open_clip_config.json'):
        teacher_of(tiny_clip_name, folder / 'open_clip_pytorch_model.bin',
                   quick_gelu=True)
    write_open_clip_config(str(folder), quick_gelu=True)
    assert teacher_of(tiny_clip_name,
                      folder / 'open_clip_pytorch_model.bin').quick_gelu


@pytest.fixture
def tiny_tags(tiny_clip_name, layouts, monkeypatch):
    """open_clip tags of the tiny model whose configs are those of
    ViT-B-16's real 'openai' and 'laion2b_s34b_b88k' tags, with a local
    file in place of the download (open_clip's own ``file`` entry)."""
    table = {
        tag: dict(open_clip.get_pretrained_cfg('ViT-B-16', tag),
                  file=layouts['open_clip_pytorch_model.bin'])
        for tag in ('openai', 'laion2b_s34b_b88k')}
    monkeypatch.setitem(open_clip.pretrained._PRETRAINED, tiny_clip_name,
                        table)
    return table


def test_tags_follow_open_clips_pretrained_config(tiny_clip_name, tiny_tags,
                                                  reference, clip_raw):
    openai = CLIPTeacher(tiny_clip_name, pretrained='openai', grid=GRID,
                         dtype='fp32')
    assert openai.quick_gelu
    assert "open_clip's 'openai' tag" in openai.describe()
    with torch.no_grad():
        expected = reference(first_frames(clip_raw))
    torch.testing.assert_close(openai(normalised(clip_raw, 'imagenet')),
                               expected.reshape(2, 32, 64), atol=1e-5,
                               rtol=1e-5)
    laion = CLIPTeacher(tiny_clip_name, pretrained='laion2b_s34b_b88k',
                        grid=GRID)
    assert not laion.quick_gelu


CLIP_CONFIGS = (
    'configs/smile/pretrain/smile_vit-b_16x4x1_300+300e_k400_clip.py',
    'configs/smile/pretrain/smile_vit-b_16x4x1_300+300e_k400_clip_authors.py',
    'configs/smile/pretrain/smile_vit-s_16x2x1_400+400e_ssv2_clip.py',
    'configs/smile/pretrain/smile_vit-s_16x4x1_600e_noise_clip.py',
    'configs/smile/pretrain/smile_vit-l_16x4x1_300+300e_k400_clip_fsdp.py',
)


@pytest.mark.parametrize('config', CLIP_CONFIGS)
def test_clip_configs_build_quickgelu_teachers(tiny_clip_name, tiny_tags,
                                               config):
    """The configs' teachers as written (their tag, no activation set),
    with the tiny architecture in place of ViT-B-16."""
    teacher_cfg = Config.fromfile(config).model.target_generator
    assert teacher_cfg.type == 'CLIPTeacher'
    assert teacher_cfg.model_name == 'ViT-B-16'
    assert teacher_cfg.get('quick_gelu') is None
    init_default_scope('mmaction')
    teacher = MODELS.build(dict(teacher_cfg, model_name=tiny_clip_name,
                                grid=GRID))
    assert teacher.quick_gelu
    assert teacher.dtype == teacher_cfg.get('dtype', 'bf16')


def test_the_authors_preset_gives_the_authors_targets_and_loss(
        tiny_clip_name, reference, layouts, clip_raw):
    """The authors' config through model.target_generator.pretrained=FILE
    with their tower file; every step of their target written out here:
    frames 0, 2, ...; ImageNet statistics; last block after ln_post, CLS
    dropped, no projection; per clip and channel standardised over all
    tokens with the unbiased std + 1e-6; MSE over the masked tokens."""
    cfg = Config.fromfile(CLIP_CONFIGS[1])
    assert cfg.model.target_generator.dtype == 'fp32'
    cfg.merge_from_dict({
        'model.target_generator.pretrained': layouts['ViT-B-16_authors.pt'],
        'model.target_generator.model_name': tiny_clip_name,
        'model.backbone.img_size': 64, 'model.backbone.num_frames': 4,
        'model.backbone.arch': 'small', 'model.backbone.depth': 1,
        'model.neck.depth': 1})
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model).eval()
    assert model.target_generator.input_norm == 'imagenet'
    mask = torch.zeros(2, 32, dtype=torch.bool)
    mask[0, :20] = True
    mask[1, 12:] = True
    video = model.data_preprocessor(
        dict(inputs=[clip for clip in clip_raw], data_samples=None))['inputs']
    with torch.no_grad():
        visible, hidden = mask_indices(mask)
        pred = model.neck(model.backbone(video, visible), visible, hidden)
        loss = model.head.loss(pred, model.target_generator(video),
                               hidden)['loss']
        frames = normalised(clip_raw, 'imagenet')[:, :, [0, 2]]
        features = reference(frames.transpose(1, 2).flatten(0, 1))
    features = features.reshape(2, 32, 64)
    mean = features.mean(dim=1, keepdim=True)
    std = ((features - mean)**2).sum(dim=1, keepdim=True).div(31).sqrt()
    target = (features - mean) / (std + 1e-6)
    expected = torch.stack([((pred[b] - target[b][mask[b]])**2).mean()
                            for b in range(2)]).mean()
    torch.testing.assert_close(loss, expected, atol=1e-5, rtol=1e-5)


def test_quick_gelu_reference_is_openais_formula():
    x = torch.linspace(-4, 4, 9)
    assert torch.allclose(quick_gelu(x), open_clip.transformer.QuickGELU()(x))


@pytest.mark.parametrize('dtype', ['fp32', 'bf16'])
def test_teacher_precision(tiny_clip_name, layouts, clip_raw, dtype):
    teacher = teacher_of(tiny_clip_name, layouts['tower_visual.pt'],
                         dtype=dtype)
    exact = teacher_of(tiny_clip_name, layouts['tower_visual.pt'])
    video = normalised(clip_raw, 'imagenet')
    out, ref = teacher(video), exact(video)
    assert out.dtype == torch.float32
    error = ((out - ref).norm() / ref.norm()).item()
    if dtype == 'fp32':
        assert error == 0
    else:  # bfloat16 has 8 bits of mantissa: about 0.4 % per rounding
        assert 1e-4 < error < 5e-2
    with pytest.raises(ValueError, match="teacher dtype 'fp16' is unknown"):
        teacher_of(tiny_clip_name, layouts['tower_visual.pt'], dtype='fp16')


def test_random_and_pixel_fallbacks_say_so(tiny_clip_name):
    with pytest.raises(ValueError, match='has no weights'):
        CLIPTeacher(tiny_clip_name, grid=GRID)
    pixel, line = captured_log(lambda: CLIPTeacher(
        tiny_clip_name, grid=GRID, on_missing_weights='pixel'))
    assert pixel.out_channels == 1536 and pixel.default_norm == 'none'
    assert 'no CLIP weights were given' in line and 'pixel target' in line
    random, line = captured_log(lambda: CLIPTeacher(
        tiny_clip_name, grid=GRID, on_missing_weights='random'))
    assert 'RANDOM weights' in line and random.out_channels == 64


def test_proj_in_a_file_is_never_demanded(tiny_clip_name, layouts):
    teacher = teacher_of(tiny_clip_name, layouts['tower_visual_no_proj.pt'])
    assert teacher.visual.proj is None and teacher.out_channels == 64


def test_config_json_with_an_unknown_activation(tiny_clip_name, tmp_path):
    from transformers import CLIPVisionConfig, CLIPVisionModel
    model = CLIPVisionModel(CLIPVisionConfig(
        hidden_size=64, intermediate_size=256, num_hidden_layers=2,
        num_attention_heads=2, image_size=64, patch_size=16))
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / 'config.json').read_text())
    config['hidden_act'] = 'relu'
    (tmp_path / 'config.json').write_text(json.dumps(config))
    with pytest.raises(CLIPWeightsError, match="hidden_act='relu'"):
        teacher_of(tiny_clip_name, tmp_path / 'model.safetensors')


def test_every_layout_through_the_config_option(tiny_clip_name, reference,
                                                layouts, clip_raw):
    """What --cfg-options model.target_generator.pretrained=FILE does, on
    the paper's ViT-S recipe (student and teacher shrunk to test size)."""
    with torch.no_grad():
        expected = reference(first_frames(clip_raw)).reshape(2, 32, 64)
    for layout in LAYOUTS:
        cfg = Config.fromfile(CLIP_CONFIGS[2])
        cfg.merge_from_dict({
            'model.target_generator.pretrained': layouts[layout],
            'model.target_generator.model_name': tiny_clip_name,
            'model.target_generator.dtype': 'fp32',
            'model.backbone.img_size': 64, 'model.backbone.num_frames': 4,
            'model.backbone.depth': 1, 'model.neck.depth': 1})
        init_default_scope('mmaction')
        model = MODELS.build(cfg.model)
        video = model.data_preprocessor(
            dict(inputs=list(clip_raw), data_samples=None))['inputs']
        torch.testing.assert_close(model.target_generator(video), expected,
                                   atol=1e-5, rtol=1e-5, msg=layout)


def test_the_demos_clip_config_works_as_written(tiny_clip_name, layouts):
    """The command in the CLIP demo config's header, through tools/train.py's
    own parser: the CLIP teacher is built from its own keys alone (none of
    the pixel target's) with the file given; without one it is an error
    that names the key to set."""
    import os.path as osp
    import shlex

    from smile_mm.engine import resolve_references
    from tools.train import build_config, parse_args
    folder = osp.dirname(CLIP_CONFIGS[0])
    demo = osp.join(folder, 'smile_vit-s_demo_cpu_clip.py')
    with open(demo) as file:
        header = file.read().split('_base_')[0]
    command = header.split('--cfg-options', 1)[1]
    options = shlex.split(command.replace('#', ' '))
    assert options == [
        'model.target_generator.pretrained=/path/to/ViT-B-16.bin']
    path = layouts['open_clip_pytorch_model.bin']
    cfg = build_config(parse_args([
        demo, '--cfg-options', f'model.target_generator.pretrained={path}',
        f'model.target_generator.model_name={tiny_clip_name}',
        'size=64']))  # the tiny teacher's 4x4 grid needs a 64 px student
    target = resolve_references(cfg).model.target_generator
    assert target == dict(type='CLIPTeacher', model_name=tiny_clip_name,
                          pretrained=path)
    init_default_scope('mmaction')
    teacher = MODELS.build(resolve_references(cfg).model).target_generator
    assert isinstance(teacher, CLIPTeacher) and teacher.pretrained == path
    with pytest.raises(ValueError, match='model.target_generator.pretrained='):
        MODELS.build(resolve_references(build_config(parse_args(
            [demo]))).model)
    # the demo itself: pixels
    plain = resolve_references(build_config(parse_args(
        [osp.join(folder, 'smile_vit-s_demo_cpu.py')])))
    assert plain.model.target_generator == dict(type='PixelTarget',
                                                normalize=False)
