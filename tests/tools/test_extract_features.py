import os
import os.path as osp

import numpy as np
import pytest
import torch

from smile_mm.models import MaskedVideoViT
from smile_mm.apis import prepare_frame as prepare
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
    clip = np.stack([prepare(frames[i].asnumpy(), 32) for i in range(12, 28)])
    clip = (clip.astype(np.float32) - [123.675, 116.28, 103.53]) / [
        58.395, 57.12, 57.375]
    encoder = SMILEVisionTransformer('tiny', img_size=32, num_frames=16,
                                     out_type='mean', **VIT)
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    encoder.load_state_dict({k[9:]: v for k, v in state.items()})
    encoder.eval()
    with torch.no_grad():
        expected = encoder(torch.from_numpy(
            clip.transpose(3, 0, 1, 2)[None]).float())[0]
    np.testing.assert_allclose(long[3], expected.numpy(), atol=1e-4)


def test_stride_format_prefix_and_resume(checkpoint, videos, tmp_path,
                                         capsys):
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, videos, out,
                ['--stride', '16', '--format', 'pt', '--prefix', 'v_']) == 0
    features = torch.load(osp.join(out, 'v_long.pt'))
    assert features.shape == ((75 - 16) // 16 + 1, 32)
    assert sorted(os.listdir(out)) == ['v_long.pt', 'v_short.pt']
    # a finished video is skipped; a missing one is made again
    os.remove(osp.join(out, 'v_short.pt'))
    marker = os.path.getmtime(osp.join(out, 'v_long.pt'))
    capsys.readouterr()
    assert _run(checkpoint, videos, out,
                ['--stride', '16', '--format', 'pt', '--prefix', 'v_']) == 0
    assert os.path.getmtime(osp.join(out, 'v_long.pt')) == marker
    assert '1 extracted, 1 already there, 0 failed' in capsys.readouterr().out


def test_failures_are_listed_and_set_the_exit_status(checkpoint, videos,
                                                     tmp_path, capsys):
    (tmp_path / 'videos' / 'broken.mp4').write_bytes(b'\x00' * 100)
    out = str(tmp_path / 'feats')
    assert _run(checkpoint, videos, out, []) == 1
    text = capsys.readouterr().out
    assert '2 extracted, 0 already there, 1 failed' in text
    assert 'failed: ' in text and 'broken.mp4' in text
    assert not osp.exists(osp.join(out, 'broken.npy'))


def test_helpers():
    assert snippet_starts(40, 16, 4) == [0, 4, 8, 12, 16, 20, 24]
    assert snippet_starts(5, 16, 4) == [0]
    frame = np.zeros((40, 100, 3), np.uint8)
    frame[:, 50] = 255
    square = prepare(frame, 20)
    assert square.shape == (20, 20, 3)
    assert square[:, 10].mean() > 100  # the centre column stays centred


def test_checkpoint_without_backbone_is_an_error(tmp_path, videos):
    path = tmp_path / 'odd.pth'
    torch.save({'state_dict': {'neck.x': torch.ones(1)}}, path)
    with pytest.raises(ValueError, match='no backbone'):
        main([str(path), videos, str(tmp_path / 'o'), '--arch', 'tiny'])
