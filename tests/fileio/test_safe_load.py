"""Checkpoints are loaded with weights_only and an allow-list: a pickle
that would run code is refused, naming what it would call."""
import pytest

from smile_mm.fileio.safe_load import _allow_list_available

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
