"""Bad inputs and faults, as a user meets them: each is either read right or
an error that names the bad value or file and the fix.

Cases with a home in the package have their tests beside the code they
exercise: annotation lists (tests/datasets/test_annotation_list.py),
unreadable videos and the failure budget
(tests/datasets/test_tolerant_video_dataset.py), invalid objects
(tests/datasets/test_object_bank.py), safe checkpoint loading and files
written whole (tests/fileio/), config values and pipeline order
(tests/test_configs.py, test_tolerant_video_dataset.py), a non-finite loss
(tests/models/test_smile_recognizer.py), resume after a kill
(tests/tools/test_train.py), CLIP files and token grids
(tests/models/test_clip_teacher.py, test_pos_embed.py), settings, labels
and checkpoints at the tools (tests/tools/test_what_a_user_meets.py).
"""
import pytest

from .fileio.test_atomic_write import FullDisk

# tools/convert_checkpoint.py -----------------------------------------------
def convert_fails(tmp_path, capsys, state, *extra, raw=None):
    import torch

    from tools.convert_checkpoint import main
    path = tmp_path / 'in.pth'
    if raw is not None:
        path.write_bytes(raw)
    else:
        torch.save(state, path)
    with pytest.raises(SystemExit):
        main([str(path), str(tmp_path / 'out.pth'), *extra])
    assert not (tmp_path / 'out.pth').exists()
    return ' '.join(capsys.readouterr().err.split())


def test_convert_checkpoint_names_what_it_found(tmp_path, capsys):
    import torch
    one = torch.ones(1)
    message = convert_fails(tmp_path, capsys, {'weights': {'a': one}},
                            '--to', 'mmaction')
    assert "unknown checkpoint layout" in message
    assert "which start ['weights']" in message
    # one key of the authors' fine-tuned layout and junk: not that layout
    message = convert_fails(
        tmp_path, capsys, {'patch_embed.proj.weight': one, 'junk.x': one},
        '--to', 'mmaction')
    assert ("looks like the videomae-finetune layout (it has "
            "patch_embed.proj.weight) but 1 of its 2 keys belong to no "
            "videomae-finetune checkpoint: ['junk.x']") in message
    assert '--from videomae-finetune' in message
    message = convert_fails(tmp_path, capsys,
                            {'patch_embed.proj.weight': one}, '--to',
                            'smile')
    assert 'has no decoder' in message
    message = convert_fails(tmp_path, capsys, None, '--to', 'smile',
                            raw=bytes(range(256)) * 8)
    assert 'in.pth' in message and 'could not be read' in message
    with pytest.raises(SystemExit):
        from tools.convert_checkpoint import main
        main([str(tmp_path / 'missing.pth'), str(tmp_path / 'o.pth'),
              '--to', 'smile'])
    assert 'missing.pth does not exist' in capsys.readouterr().err


def test_convert_checkpoint_from_leaves_strangers_out(tmp_path, capsys):
    import torch

    from tools.convert_checkpoint import main
    torch.save({'patch_embed.proj.weight': torch.ones(2, 3, 2, 16, 16),
                'junk.x': torch.ones(1)}, tmp_path / 'in.pth')
    assert main([str(tmp_path / 'in.pth'), str(tmp_path / 'out.pth'),
                 '--to', 'mmaction', '--from', 'videomae-finetune']) == 0
    assert 'left out 1 keys: junk.x' in capsys.readouterr().out
    state = torch.load(tmp_path / 'out.pth')['state_dict']
    assert list(state) == ['backbone.patch_embed.projection.weight']


# model wiring ---------------------------------------------------------------
def test_decoder_widths_are_checked_at_build():
    from tests.models.test_smile_recognizer import build
    with pytest.raises(ValueError, match='decoder in_channels=32 does not '
                       'match the encoder width 64; remove in_channels'):
        build(in_channels=32)
    with pytest.raises(ValueError, match='decoder out_channels=7'):
        build(out_channels=7)
    assert build(in_channels=64).neck is not None


def test_multi_clip_samples_train_with_the_default_collate():
    """clips_per_video=2 gives lists of clips per sample; mmengine's
    default collate (pseudo_collate) and repeat_pseudo_collate train the
    same loss."""
    import numpy as np
    import torch
    from mmaction.datasets import repeat_pseudo_collate
    from mmaction.structures import ActionDataSample
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper

    from smile_mm.datasets import TubeTrajectoryMaskGenerator
    from tests.models.test_smile_recognizer import build
    rng = np.random.default_rng(0)
    masks = TubeTrajectoryMaskGenerator(input_size=(4, 64, 64))

    def clip():
        sample = ActionDataSample()
        sample.set_field(torch.from_numpy(masks.sample(rng)), 'mask')
        return dict(inputs=torch.from_numpy(rng.integers(
            0, 256, (1, 3, 4, 64, 64), dtype=np.uint8)), data_samples=sample)

    batch = [[clip(), clip()] for _ in range(2)]  # 2 videos x 2 clips
    losses = []
    for collate in (pseudo_collate, repeat_pseudo_collate):
        torch.manual_seed(0)
        model = build()
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
        losses.append(model.train_step(collate(batch), optim)['loss'])
    assert torch.isfinite(losses[0])
    torch.testing.assert_close(losses[0], losses[1], atol=1e-6, rtol=1e-5)
    # one clip per sample through repeat_pseudo_collate: the names of the
    # fields arrive instead of clips
    with pytest.raises(ValueError, match="with one clip per sample "
                       r"\(clips_per_video=1\) use collate_fn=dict"):
        model.train_step(repeat_pseudo_collate([clip(), clip()]), optim)


# object folders -------------------------------------------------------------
def test_rgba_folder_says_what_it_skipped(tmp_path):
    import numpy as np
    from PIL import Image

    from smile_mm.datasets import ObjectBank
    from tests.conftest import write_rgba
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[4:16, 4:16] = 255
    write_rgba(str(tmp_path / 'cat' / 'a.png'), rgba)
    Image.fromarray(rgba[..., :3]).save(tmp_path / 'cat' / 'b.jpg')
    write_rgba(str(tmp_path / 'cat' / 'deeper' / 'c.png'), rgba)
    write_rgba(str(tmp_path / 'loose.png'), rgba)
    with pytest.warns(UserWarning) as record:
        bank = ObjectBank(source='rgba', root=str(tmp_path),
                          cache_dir=str(tmp_path / 'cache'))
    assert len(bank) == 1
    message = str(record[0].message)
    assert '1 PNG files read' in message
    assert "1 files that are not PNG (JPEG has no alpha" in message
    assert 'b.jpg' in message and 'deeper' in message
    assert '1 files directly under the root' in message
    only_jpeg = tmp_path / 'jpegs'
    (only_jpeg / 'dog').mkdir(parents=True)
    Image.fromarray(rgba[..., :3]).save(only_jpeg / 'dog' / 'x.jpg')
    with pytest.raises(FileNotFoundError, match=r'holds no PNG files .*; '
                       r'skipped 1 files that are not PNG'):
        ObjectBank(source='rgba', root=str(only_jpeg))


# tools/extract_features.py --------------------------------------------------
@pytest.fixture
def feature_setup(tmp_path, rng, monkeypatch):
    """Two videos and two tiny checkpoints of the same architecture."""
    import functools

    import numpy as np
    import torch

    import smile_mm.apis.inference as inference
    from smile_mm.models import MaskedVideoViT
    from tests.conftest import write_video
    vit = dict(embed_dims=32, depth=1, num_heads=2)
    monkeypatch.setattr(inference, 'SMILEVisionTransformer',
                        functools.partial(inference.SMILEVisionTransformer,
                                          **vit))
    videos = tmp_path / 'videos'
    videos.mkdir()
    for name in ('one', 'two'):
        write_video(str(videos / f'{name}.mp4'),
                    rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8))
    checkpoints = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = torch.nn.Module()
        model.backbone = MaskedVideoViT('tiny', img_size=32, num_frames=16,
                                        **vit)
        path = tmp_path / f'ckpt{seed}.pth'
        torch.save({'state_dict': model.state_dict()}, path)
        checkpoints.append(str(path))
    return str(videos), checkpoints, str(tmp_path / 'feats')


def extract(videos, checkpoint, out, *extra):
    from tools.extract_features import main
    return main([checkpoint, videos, out, '--arch', 'tiny', '--size', '32',
                 '--device', 'cpu', *extra])


def test_features_are_reused_only_when_what_made_them_matches(
        feature_setup, capsys):
    import numpy as np
    videos, (first, second), out = feature_setup
    assert extract(videos, first, out) == 0
    one = np.load(f'{out}/one.npy')
    capsys.readouterr()
    assert extract(videos, first, out) == 0
    assert '0 extracted (0 of them redone), 2 reused' in \
        capsys.readouterr().out
    assert extract(videos, first, out, '--stride', '8') == 0
    text = capsys.readouterr().out
    assert 'one: redone (one.npy: made with other stride)' in text
    assert '2 extracted (2 of them redone), 0 reused' in text
    assert np.load(f'{out}/one.npy').shape[0] == (40 - 16) // 8 + 1
    assert extract(videos, second, out, '--stride', '8') == 0
    assert 'made with other checkpoint_sha256' in capsys.readouterr().out
    # a truncated file is not done
    data = open(f'{out}/two.npy', 'rb').read()
    open(f'{out}/two.npy', 'wb').write(data[:len(data) // 2])
    assert extract(videos, second, out, '--stride', '8') == 0
    text = capsys.readouterr().out
    assert 'two: redone (two.npy: unreadable (ValueError))' in text
    assert '1 extracted (1 of them redone), 1 reused' in text
    assert one.shape[0] == (40 - 16) // 4 + 1


def test_a_full_disk_stops_extraction_cleanly(feature_setup, capsys,
                                              monkeypatch):
    import os

    from smile_mm.fileio import atomic_write
    videos, (first, _), out = feature_setup
    monkeypatch.setattr(atomic_write, 'open', FullDisk, raising=False)
    assert extract(videos, first, out) == 2
    text = ' '.join(capsys.readouterr().out.split())
    assert 'stopped at one: [Errno 28] could not write' in text
    assert '(the disk is full)' in text and 'free in' in text
    assert sorted(os.listdir(out)) == ['.smile_mm']
    assert os.listdir(f'{out}/.smile_mm') == []
