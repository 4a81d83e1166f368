"""smile_mm's configs, shipped inside the installed package as
``smile_mm/.mim/configs`` (in a checkout, a link to ``configs/``), where
mmengine reads ``smile_mm::path`` names and the tools find their defaults.
"""
from __future__ import annotations

from pathlib import Path

#: the configs of the installed package
CONFIGS = Path(__file__).resolve().parent / '.mim' / 'configs'


def config_path(name: str) -> str:
    """The file of the shipped config ``name`` (``'smile/features/...py'``).

    Raises:
        FileNotFoundError: smile_mm ships no such config.
    """
    path = CONFIGS / name
    if not path.is_file():
        raise FileNotFoundError(
            f'smile_mm ships no config {name} (looked in {CONFIGS}); '
            "in a child config name a shipped one as 'smile_mm::" + name + "'")
    return str(path)
