import json
import os
import os.path as osp

import numpy as np
import pytest
import torch

from smile_mm.models import MaskedVideoViT
from smile_mm.apis import load_config, prepare_frame, to_clip
from smile_mm.apis.inference import FEATURES_CONFIG
from tools.extract_features import main, snippet_starts

from ..conftest import write_video

VIT = dict(embed_dims=32, depth=1, num_heads=2)


@pytest.fixture
def checkpoint(tmp_path):
    torch.manual_seed(0)
    encoder = MaskedVideoViT('tiny', img_size=32, num_frames=16, **VIT)
    path = tmp_path / 'smile.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()},
                'meta': {}}, path)
    return str(path)


@pytest.fixture
def videos(tmp_path, rng):
    folder = tmp_path / 'videos'
    folder.mkdir()
    for name, length in (('long', 75), ('short', 10)):
        frames = rng.integers(0, 256, (length, 40, 56, 3), dtype=np.uint8)
        write_video(str(folder / f'{name}.mp4'), frames)
    return str(folder)


@pytest.fixture(autouse=True)
def tiny_encoder(monkeypatch):
    """The tool builds a 32-wide, 1-block encoder, as the checkpoint has."""
    import functools

    import smile_mm.apis.inference as inference
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        functools.partial(inference.SMILEVisionTransformer,
                                          **VIT))


def _run(checkpoint, videos, out, extra):
    return main([checkpoint, videos, out, '--arch', 'tiny', '--size', '32',
                 '--batch', '4', '--device', 'cpu', *extra])


def test_shape_stride_and_values(checkpoint, videos, tmp_path):
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, videos, out, []) == 0
    long = np.load(osp.join(out, 'long.npy'))
    assert long.dtype == np.float32
    assert long.shape == ((75 - 16) // 4 + 1, 32)  # 15 snippets every 4
    short = np.load(osp.join(out, 'short.npy'))
    assert short.shape == (1, 32)  # shorter than a snippet: one, padded
    # snippet 3 is frames 12..27 of the video, through the same encoder
    import decord
    from smile_mm.models import SMILEVisionTransformer
    frames = decord.VideoReader(osp.join(videos, 'long.mp4'))
    clip = to_clip(frames.get_batch(list(range(12, 28))).asnumpy(),
                   load_config(FEATURES_CONFIG, size=32))
    encoder = SMILEVisionTransformer('tiny', img_size=32, num_frames=16,
                                     out_type='mean', **VIT)
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    encoder.load_state_dict({k[9:]: v for k, v in state.items()})
    encoder.eval()
    with torch.no_grad():
        expected = encoder(clip)[0]
    np.testing.assert_allclose(long[3], expected.numpy(), atol=1e-4)


def test_stride_format_prefix_and_resume(checkpoint, videos, tmp_path,
                                         capsys):
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, videos, out,
                ['--stride', '16', '--format', 'pt', '--prefix', 'v_']) == 0
    features = torch.load(osp.join(out, 'v_long.pt'))
    assert features.shape == ((75 - 16) // 16 + 1, 32)
    assert sorted(os.listdir(out)) == ['.smile_mm', 'missing_files.txt',
                                       'v_long.pt', 'v_short.pt']
    # a finished video is skipped; a missing one is made again
    os.remove(osp.join(out, 'v_short.pt'))
    marker = os.path.getmtime(osp.join(out, 'v_long.pt'))
    capsys.readouterr()
    assert _run(checkpoint, videos, out,
                ['--stride', '16', '--format', 'pt', '--prefix', 'v_']) == 0
    assert os.path.getmtime(osp.join(out, 'v_long.pt')) == marker
    assert '1 extracted (0 of them redone), 1 reused, 0 failed' in \
        capsys.readouterr().out
    # a record of the older, flat layout: made again, not trusted
    record = osp.join(out, '.smile_mm', 'v_long.pt.json')
    with open(record) as file:
        made = json.load(file)
    with open(record, 'w') as file:
        json.dump(dict(made['produced_by'], shape=[4, 32]), file)
    assert _run(checkpoint, videos, out,
                ['--stride', '16', '--format', 'pt', '--prefix', 'v_']) == 0
    text = capsys.readouterr().out
    assert 'long: redone (v_long.pt: its record' in text
    assert 'of an older layout (KeyError)' in text
    assert '1 extracted (1 of them redone), 1 reused' in text


def test_failures_are_listed_and_set_the_exit_status(checkpoint, videos,
                                                     tmp_path, capsys):
    (tmp_path / 'videos' / 'broken.mp4').write_bytes(b'\x00' * 100)
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, videos, out, []) == 1
    text = capsys.readouterr().out
    assert '2 extracted (0 of them redone), 0 reused, 1 failed' in text
    assert 'failed: ' in text and 'broken.mp4' in text
    assert not osp.exists(osp.join(out, 'broken.npy'))
    # OpenTAD's block_list: the failed video, and annotated ones without
    # features, named as its annotations name them
    assert open(osp.join(out, 'missing_files.txt')).read() == 'broken\n'
    annotations = tmp_path / 'anet.json'
    annotations.write_text(json.dumps({'database': {
        'long': {}, 'short': {}, 'gone': {}}}))
    assert _run(checkpoint, videos, out,
                ['--annotations', str(annotations)]) == 1
    assert open(osp.join(out, 'missing_files.txt')).read() == \
        'broken\ngone\n'


def test_a_listed_video_that_is_gone(checkpoint, videos, tmp_path,
                                     capsys):
    """Its features, made before, are kept and said so; without any, it
    is a failure that names it."""
    out = str(tmp_path / 'feats')
    listed = tmp_path / 'list.txt'
    listed.write_text('long.mp4\nshort.mp4\n')
    assert _run(checkpoint, videos, out, ['--list', str(listed)]) == 0
    kept = np.load(osp.join(out, 'short.npy'))
    os.remove(osp.join(videos, 'short.mp4'))
    capsys.readouterr()
    assert _run(checkpoint, videos, out, ['--list', str(listed)]) == 0
    text = capsys.readouterr().out
    assert 'short: the video is gone; short.npy is kept as it was made' \
        in text
    assert '0 extracted (0 of them redone), 2 reused, 0 failed' in text
    np.testing.assert_array_equal(np.load(osp.join(out, 'short.npy')), kept)
    listed.write_text('long.mp4\nnever.mp4\n')
    assert _run(checkpoint, videos, out, ['--list', str(listed)]) == 1
    text = capsys.readouterr().out
    assert 'never: FAILED (the video does not exist)' in text
    assert 'failed: ' + osp.join(videos, 'never.mp4') in text


def test_a_prefix_already_there_is_not_doubled(checkpoint, tmp_path, rng):
    """OpenTAD's ActivityNet videos are v_<id>.mp4 and its configs read
    v_<id>.npy; the missing list names <id>, as the annotations do."""
    folder = tmp_path / 'anet'
    folder.mkdir()
    frames = rng.integers(0, 256, (20, 40, 56, 3), dtype=np.uint8)
    write_video(str(folder / 'v_abc.mp4'), frames)
    write_video(str(folder / 'xyz.mp4'), frames)
    (folder / 'v_bad.mp4').write_bytes(b'\x00' * 100)
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, str(folder), out, ['--prefix', 'v_']) == 1
    assert sorted(f for f in os.listdir(out) if f.endswith('.npy')) == [
        'v_abc.npy', 'v_xyz.npy']
    assert open(osp.join(out, 'missing_files.txt')).read() == 'bad\n'


def test_helpers():
    assert snippet_starts(40, 16, 4) == [0, 4, 8, 12, 16, 20, 24]
    assert snippet_starts(5, 16, 4) == [0]
    frame = np.zeros((40, 100, 3), np.uint8)
    frame[:, 50] = 255
    square = prepare_frame(frame, load_config(FEATURES_CONFIG, size=20))
    assert square.shape == (20, 20, 3)
    assert square[:, 10].mean() > 100  # the centre column stays centred


def _error_line(capsys, argv):
    """The tool's one error line (argparse: usage, then the error)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert 'Traceback' not in ''.join(lines)
    return lines[-1]


def test_checkpoint_without_backbone_is_an_error(tmp_path, videos, capsys):
    path = tmp_path / 'odd.pth'
    torch.save({'state_dict': {'neck.x': torch.ones(1)}}, path)
    line = _error_line(capsys, [str(path), videos, str(tmp_path / 'o'),
                                '--arch', 'tiny'])
    assert 'has no backbone.* weights' in line
    assert 'tools/convert_checkpoint.py' in line


def test_a_missing_checkpoint_is_one_line(tmp_path, videos, capsys):
    missing = str(tmp_path / 'nowhere.pth')
    line = _error_line(capsys, [missing, videos, str(tmp_path / 'o')])
    assert line.endswith(f'error: checkpoint {missing} does not exist')


def test_an_arch_that_does_not_fit_names_the_checkpoints_size(
        tmp_path, videos, capsys, monkeypatch):
    """A 32-wide, 1-block checkpoint read with --arch small (384 wide, 12
    blocks, the real size: no test patch here)."""
    import smile_mm.apis.inference as inference
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        inference.SMILEVisionTransformer.func)  # unpatched
    torch.manual_seed(0)
    encoder = MaskedVideoViT('small', img_size=32, num_frames=16, **VIT)
    path = tmp_path / 'narrow.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               encoder.state_dict().items()}}, path)
    line = _error_line(capsys, [str(path), videos, str(tmp_path / 'o'),
                                '--arch', 'small', '--size', '32'])
    assert 'holds an encoder 32 wide with 1 blocks' in line
    assert "arch='small' builds one 384 wide with 12" in line
    assert "--arch auto, the default" in line


def test_checkpoint_of_another_clip_size(tmp_path, videos, capsys):
    """Trained on 16 frames of 32 px (token grid (8, 2, 2), 32 rows) and
    used at 64 px: the recorded grid is read back, so the tool's features
    equal those of an encoder built for the checkpoint's own clips (which
    resizes its table as it runs), and of a checkpoint converted with
    explicit sizes. A 32-row table also fits (2, 4, 4): the old guess."""
    from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

    from smile_mm.apis import load_encoder
    from tools.convert_checkpoint import main as convert
    from tools.extract_features import extract_video

    torch.manual_seed(1)
    model = torch.nn.Module()
    model.backbone = MaskedVideoViT('tiny', img_size=32, num_frames=16,
                                    **VIT)
    recorded = str(tmp_path / 'epoch_1.pth')  # as mmengine's Runner saves
    save_checkpoint({'state_dict': weights_to_cpu(model.state_dict()),
                     'meta': {}}, recorded)
    own_size = load_encoder(recorded, 'tiny', img_size=32, num_frames=16)
    video = osp.join(videos, 'long.mp4')
    expected = extract_video(own_size, video, 16, 4, 4,
                             load_config(FEATURES_CONFIG, size=64), 'cpu')

    def features(checkpoint, name):
        assert _run(checkpoint, videos, str(tmp_path / name),
                    ['--size', '64']) == 0
        return np.load(tmp_path / name / 'long.npy')

    np.testing.assert_allclose(features(recorded, 'recorded'), expected,
                               atol=1e-5, rtol=1e-5)
    converted = str(tmp_path / 'converted.pth')
    assert convert([recorded, converted, '--to', 'mmaction', '--num-frames',
                    '16', '--img-size', '64']) == 0
    np.testing.assert_allclose(features(converted, 'converted'), expected,
                               atol=1e-5, rtol=1e-5)

    # the same weights without the record: an error in both tools
    bare = str(tmp_path / 'bare.pth')
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               model.backbone.state_dict().items()}}, bare)
    for run in (lambda: _run(bare, videos, str(tmp_path / 'x'),
                             ['--size', '64']),
                lambda: convert([bare, str(tmp_path / 'x.pth'), '--to',
                                 'mmaction', '--num-frames', '16',
                                 '--img-size', '64'])):
        with pytest.raises(SystemExit):
            run()
        message = ' '.join(capsys.readouterr().err.split())
        assert '(2, 4, 4) = 4 frames of 64 px' in message
        assert '(8, 2, 2) = 16 frames of 32 px' in message
        assert '--snippet and --size' in message
        assert '--src-num-frames F --src-img-size S' in message
    stated = str(tmp_path / 'stated.pth')
    assert convert([bare, stated, '--to', 'mmaction', '--src-num-frames',
                    '16', '--src-img-size', '32']) == 0
    np.testing.assert_allclose(features(stated, 'stated'), expected,
                               atol=1e-5, rtol=1e-5)
    with pytest.raises(SystemExit):
        convert([recorded, str(tmp_path / 'y.pth'), '--to', 'mmaction',
                 '--src-num-frames', '8', '--src-img-size', '32'])
    assert 'records token grid (8, 2, 2)' in capsys.readouterr().err


def test_size_from_the_checkpoint_and_frame_interval(tmp_path, videos,
                                                     monkeypatch):
    """--arch auto reads width and depth (a ViT-S's 384 x 12 by name, any
    other with 64-wide heads); --frame-interval 3 takes every 3rd frame."""
    monkeypatch.undo()  # the real encoder class, not the 32-wide one
    from smile_mm.apis.inference import encoder_size, load_encoder
    small = MaskedVideoViT('small', img_size=32, num_frames=16)
    assert encoder_size(small.state_dict()) == dict(arch='small')
    odd = MaskedVideoViT(img_size=32, num_frames=16, embed_dims=128, depth=2,
                         num_heads=2)
    assert encoder_size(odd.state_dict()) == dict(
        arch='base', embed_dims=128, depth=2, num_heads=2)
    path = tmp_path / 'odd.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               odd.state_dict().items()}}, path)
    out = str(tmp_path / 'strided')
    assert main([str(path), videos, out, '--size', '32', '--batch', '3',
                 '--frame-interval', '3', '--device', 'cpu']) == 0
    long = np.load(osp.join(out, 'long.npy'))
    # snippets span 46 frames: starts 0, 4, ..., 28 of 75 frames
    assert long.shape == ((75 - 46) // 4 + 1, 128)
    assert snippet_starts(75, 16, 4, 3) == list(range(0, 30, 4))
    import decord
    reader = decord.VideoReader(osp.join(videos, 'long.mp4'))
    frames = reader.get_batch(list(range(8, 8 + 46, 3))).asnumpy()
    clip = to_clip(frames, load_config(FEATURES_CONFIG, size=32))
    encoder = load_encoder(str(path), img_size=32, num_frames=16)
    with torch.no_grad():
        expected = encoder(clip)[0].numpy()
    np.testing.assert_allclose(long[2], expected, atol=1e-4)
