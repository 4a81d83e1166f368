"""The sha256 of a file: what a cached output records of its inputs."""
from __future__ import annotations

import hashlib


def file_digest(path: str) -> str:
    """sha256 of a file, read in 16 MB pieces."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for piece in iter(lambda: file.read(1 << 24), b''):
            digest.update(piece)
    return digest.hexdigest()
