"""Files written whole: complete or absent, and a full disk named."""
import pytest


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
    """SMILERunner saves through the whole-file backend; mmengine's own
    backend (a plain save_checkpoint) is left as it is."""
    import torch
    from mmengine.config import Config
    from mmengine.runner.checkpoint import save_checkpoint

    from smile_mm.engine import build_runner
    from smile_mm.fileio import WHOLE_LOCAL, atomic_write
    from tests.tiny_config import write_tiny_config
    whole = dict(backend=WHOLE_LOCAL)
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path),
                    backend_args=whole)
    before = path.read_bytes()
    monkeypatch.setattr(atomic_write, 'open', FullDisk, raising=False)
    with pytest.raises(OSError, match=r'could not write .*epoch_1.pth \(the '
                       r'disk is full\): No space left on device; [\d.]+ '
                       r'[MG]B free in .*; nothing was left behind'):
        save_checkpoint({'state_dict': {'w': torch.zeros(3)}}, str(path),
                        backend_args=whole)
    assert path.read_bytes() == before  # the complete one is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']
    # the runner's checkpoints go through it
    (tmp_path / 'config').mkdir()
    cfg = Config.fromfile(write_tiny_config(tmp_path / 'config'))
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    with pytest.raises(OSError, match='epoch_2.pth .*nothing was left'):
        runner.save_checkpoint(cfg.work_dir, 'epoch_2.pth',
                               save_optimizer=False,
                               save_param_scheduler=False)
    assert not (tmp_path / 'work' / 'epoch_2.pth').exists()
