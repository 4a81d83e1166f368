"""Files written whole: a temporary file renamed into place.

A killed run or a full disk leaves no truncated file that later counts as
done; a failed write removes its temporary file and names the folder and
its free space. :class:`WholeLocalBackend` (``backend='whole_local'``) is
mmengine's local backend writing so, for SMILERunner's checkpoints.
"""
from __future__ import annotations

import errno
import os
import os.path as osp
import shutil
from typing import BinaryIO, Callable, Union

from mmengine.fileio import LocalBackend, register_backend

#: the name SMILERunner gives mmengine for its checkpoints' backend
WHOLE_LOCAL = 'whole_local'


def _free_space(folder: str) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return 'unknown space'
    return (f'{free / 2**30:.1f} GB' if free >= 2**30 else
            f'{free / 2**20:.1f} MB')


def temporary_path(path: str) -> str:
    """Where this process writes ``path`` before renaming it into place."""
    return osp.join(osp.dirname(osp.abspath(path)),
                    f'.{osp.basename(path)}.{os.getpid()}.tmp')


def write_whole(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename
    it to ``path``.

    Raises:
        OSError: the write failed; the temporary file is gone and the
            message names the folder and its free space.
    """
    tmp = temporary_path(path)
    folder = osp.dirname(tmp)
    os.makedirs(folder, exist_ok=True)
    try:
        with open(tmp, 'wb') as file:
            write(file)
        os.replace(tmp, path)
    except BaseException as error:
        if osp.exists(tmp):
            os.remove(tmp)
        if isinstance(error, OSError):
            full = ' (the disk is full)' if error.errno == errno.ENOSPC \
                else ''
            raise OSError(
                error.errno, f'could not write {path}{full}: '
                f'{error.strerror or error}; {_free_space(folder)} free in '
                f'{folder}; nothing was left behind') from error
        raise


def write_bytes_whole(data: bytes, path: str) -> None:
    """``write_whole`` of a bytes object."""
    write_whole(path, lambda file: file.write(data))


@register_backend(WHOLE_LOCAL)
class WholeLocalBackend(LocalBackend):
    """mmengine's local backend, with files written whole."""

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        write_bytes_whole(obj, str(filepath))
