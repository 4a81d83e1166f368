"""smile_mm: SMILE masked video pretraining as an MMAction2 plugin.

Importing the package applies the upstream fixes of :mod:`smile_mm.compat`
first, then registers smile_mm's components in mmaction2's registries.
"""
from . import compat

compat.apply_all()

from . import datasets  # noqa: E402,F401  (registers datasets, transforms)
from . import models  # noqa: E402,F401  (registers the model parts)
from . import engine  # noqa: E402,F401  (registers hooks)
from . import evaluation  # noqa: E402,F401  (registers metrics)
from . import apis  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = [
    '__version__', 'apis', 'compat', 'datasets', 'engine', 'evaluation',
    'models'
]
