"""Bad inputs and faults, as a user meets them: each is either read right or
an error that names the bad value or file and the fix.

Cases handled before this file have their tests beside the code they
exercise, and stay there: unreadable videos and the failure budget
(tests/datasets/test_tolerant_video_dataset.py), invalid objects
(tests/datasets/test_object_bank.py), config values and pipeline order
(tests/test_configs.py, test_tolerant_video_dataset.py), a non-finite loss
(tests/models/test_smile_recognizer.py), resume after a kill
(tests/tools/test_train.py), CLIP files and token grids
(tests/models/test_clip_teacher.py, test_pos_embed.py).
"""
import pytest

from smile_mm.datasets import (AnnotationError, StaticClipDataset,
                               TolerantVideoDataset)
from smile_mm.fileio.safe_load import _allow_list_available

PIPELINE = [dict(type='DecordInit'), dict(type='SampleFrames', clip_len=4),
            dict(type='DecordDecode')]


def video_dataset(tmp_path, text, **kwargs):
    ann = tmp_path / 'train_list.txt'
    ann.write_text(text)
    # parsing only: the listed videos need not exist
    return TolerantVideoDataset(ann_file=str(ann), pipeline=PIPELINE,
                                data_prefix=dict(video='/data/k400'),
                                check_files=False, **kwargs)


def infos(dataset):
    return [(d['filename'], d['label']) for d in dataset.load_data_list()]


# annotation lists ----------------------------------------------------------
def test_annotation_lines_that_read_right(tmp_path):
    text = ('a.mp4 3\n'
            'b.mp4  4\n'  # two spaces
            '\n'  # a blank line in the middle
            'folder with space/c d.mp4 5\n'  # spaces in the path
            'e.mp4\t6\n'
            '   \n')
    assert infos(video_dataset(tmp_path, text)) == [
        ('/data/k400/a.mp4', 3), ('/data/k400/b.mp4', 4),
        ('/data/k400/folder with space/c d.mp4', 5),
        ('/data/k400/e.mp4', 6)]
    multi = video_dataset(tmp_path, 'x y.mp4 1 5  7\n', multi_class=True,
                          num_classes=8)
    assert infos(multi) == [('/data/k400/x y.mp4', [1, 5, 7])]


@pytest.mark.parametrize('text, problem', [
    ('a.mp4 3\nb.mp4 cat\n', r"train_list.txt:2: the label 'cat' is not "
     r"an integer .* in 'b.mp4 cat'"),
    ('a.mp4 3\nb.mp4 3.5\n', r"train_list.txt:2: the label '3.5'"),
    ('', r'train_list.txt holds no lines'),
    ('\n\n', r'train_list.txt holds no lines'),
    ('a.mp4 3\nb.mp4 9\n', r"train_list.txt:2: a label is outside \[0, 5\) "
     r"\(num_classes=5\) in 'b.mp4 9'"),
])
def test_annotation_lines_that_are_errors(tmp_path, text, problem):
    with pytest.raises(AnnotationError, match=problem):
        video_dataset(tmp_path, text, num_classes=5)


def test_multi_label_and_path_lists(tmp_path):
    with pytest.raises(AnnotationError, match=r"train_list.txt:1: no "
                       r"integer labels after the path"):
        video_dataset(tmp_path, 'a.mp4 x\n', multi_class=True,
                      num_classes=4)
    images = tmp_path / 'images.txt'
    images.write_text('p q.jpg 7\n\nr.jpg\n')
    dataset = StaticClipDataset(background='image', ann_file=str(images),
                                data_prefix=dict(img='/img'),
                                pipeline=[dict(type='LoadStaticClip',
                                               clip_len=4)],
                                check_files=False)
    assert [d['filename'] for d in dataset.load_data_list()] == [
        '/img/p q.jpg', '/img/r.jpg']


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


# loading checkpoints safely -------------------------------------------------
class CreatesAFile:
    """Unpickling this opens (so creates) a file: code run from a pickle."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def crafted(tmp_path, target):
    """An mmengine-looking checkpoint with a payload."""
    import torch

    from smile_mm.models import MaskedVideoViT
    backbone = MaskedVideoViT('small', img_size=32, num_frames=4,
                              embed_dims=32, depth=1, num_heads=2)
    path = tmp_path / 'crafted.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               backbone.state_dict().items()},
                'meta': {'note': CreatesAFile(str(target))}}, path)
    return str(path)


def test_the_crafted_checkpoint_is_an_attack(tmp_path):
    """The payload works where checkpoints load with full unpickling."""
    import torch
    target = tmp_path / 'pwned'
    torch.load(crafted(tmp_path, target), weights_only=False)
    assert target.exists()


@pytest.mark.skipif(not _allow_list_available(), reason='this torch has no '
                    'allow-list for torch.load (torch >= 2.5): smile_mm '
                    'loads with a warning there, as tested below')
def test_no_loader_runs_code_from_a_checkpoint(tmp_path, capsys):
    from mmengine.runner.checkpoint import _load_checkpoint

    from smile_mm.apis import load_encoder
    from smile_mm.fileio import UnsafeCheckpointError
    from tools.convert_checkpoint import main as convert
    from tools.extract_features import main as extract
    target = tmp_path / 'pwned'
    path = crafted(tmp_path, target)
    expected = (r'crafted.pth would call io.open while it is loaded;'
                r'.* SMILE_MM_SAFE_GLOBALS="io.open"')
    with pytest.raises(UnsafeCheckpointError, match=expected):
        _load_checkpoint(path)  # load_from, --resume, load_checkpoint
    with pytest.raises(UnsafeCheckpointError, match=expected):
        load_encoder(path, 'small', img_size=32, num_frames=4)
    with pytest.raises(SystemExit):
        convert([path, str(tmp_path / 'out.pth'), '--to', 'mmaction'])
    assert 'would call io.open' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        extract([path, str(tmp_path), str(tmp_path / 'feats')])
    assert 'would call io.open' in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.skipif(not _allow_list_available(), reason='this torch has no '
                    'allow-list for torch.load (torch >= 2.5): smile_mm '
                    'loads with a warning there, as tested below')
def test_a_trusted_name_is_allowed(tmp_path, monkeypatch):
    from fractions import Fraction

    import torch

    from smile_mm.fileio import TRUST_ENV, UnsafeCheckpointError, safe_load
    torch.save({'w': torch.ones(1), 'ratio': Fraction(1, 3)},
               tmp_path / 'f.pth')
    with pytest.raises(UnsafeCheckpointError, match='fractions.Fraction'):
        safe_load(str(tmp_path / 'f.pth'))
    monkeypatch.setenv(TRUST_ENV, 'fractions.Fraction')
    assert safe_load(str(tmp_path / 'f.pth'))['ratio'] == Fraction(1, 3)
    monkeypatch.setenv(TRUST_ENV, 'fractions.Nope')
    with pytest.raises(ValueError, match="names 'fractions.Nope'"):
        safe_load(str(tmp_path / 'f.pth'))


@pytest.mark.skipif(not _allow_list_available(), reason='this torch has no '
                    'allow-list for torch.load (torch >= 2.5): smile_mm '
                    'loads with a warning there, as tested below')
def test_getattr_is_allowed_only_for_history_buffers(tmp_path):
    import torch
    from mmengine.logging import HistoryBuffer

    from smile_mm.fileio import UnsafeCheckpointError, safe_load
    buffer = HistoryBuffer()
    buffer.update(2.0)
    torch.save({'hub': buffer}, tmp_path / 'hub.pth')
    assert safe_load(str(tmp_path / 'hub.pth'))['hub'].current() == 2.0

    class ReadsAnAttribute:
        def __reduce__(self):  # getattr(HistoryBuffer, '__init__')
            return getattr, (HistoryBuffer, '__init__')

    torch.save({'x': ReadsAnAttribute()}, tmp_path / 'attr.pth')
    with pytest.raises(UnsafeCheckpointError, match="getattr.*'__init__'"):
        safe_load(str(tmp_path / 'attr.pth'))


def test_old_torch_without_an_allow_list_says_so(tmp_path, monkeypatch,
                                                 caplog):
    import torch
    from mmengine.logging import HistoryBuffer

    from smile_mm.fileio import safe_load
    monkeypatch.delattr(torch.serialization, 'safe_globals',
                        raising=False)  # torch < 2.5
    torch.save({'w': torch.ones(2)}, tmp_path / 'plain.pth')
    torch.save({'hub': HistoryBuffer()}, tmp_path / 'hub.pth')
    with caplog.at_level('WARNING', logger='smile_mm'):
        assert safe_load(str(tmp_path / 'plain.pth'))['w'].sum() == 2
        assert not caplog.records
        safe_load(str(tmp_path / 'hub.pth'))
    assert 'loaded with full unpickling' in caplog.text


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


# files written whole --------------------------------------------------------
class FullDisk:
    """A file whose writes stop half-way with ENOSPC."""

    def __init__(self, path, mode):
        self.file = open(path, mode)

    def write(self, data):
        import errno
        self.file.write(data[:len(data) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device')

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.file.close()


def test_checkpoints_are_complete_or_absent(tmp_path, monkeypatch):
    import torch
    from mmengine.runner.checkpoint import save_checkpoint

    from smile_mm.fileio import atomic_write
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    before = path.read_bytes()
    monkeypatch.setattr(atomic_write, 'open', FullDisk, raising=False)
    with pytest.raises(OSError, match=r'could not write .*epoch_1.pth \(the '
                       r'disk is full\): No space left on device; [\d.]+ '
                       r'[MG]B free in .*; nothing was left behind'):
        save_checkpoint({'state_dict': {'w': torch.zeros(3)}}, str(path))
    assert path.read_bytes() == before  # the complete one is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']
    with pytest.raises(OSError):
        save_checkpoint({'state_dict': {}}, str(tmp_path / 'epoch_2.pth'))
    assert not (tmp_path / 'epoch_2.pth').exists()


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


def test_a_truncated_checkpoint_names_the_file(tmp_path):
    import pickle

    import torch
    from mmengine.runner.checkpoint import _load_checkpoint
    torch.save({'state_dict': {'w': torch.ones(1000)}}, tmp_path / 'a.pth')
    data = (tmp_path / 'a.pth').read_bytes()
    (tmp_path / 'a.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(pickle.UnpicklingError, match=r'a.pth could not be '
                       r'read as a PyTorch checkpoint \(RuntimeError'):
        _load_checkpoint(str(tmp_path / 'a.pth'))
