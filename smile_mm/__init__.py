"""smile_mm: SMILE masked video pretraining as an MMAction2 plugin.

Importing the package applies the upstream fixes of :mod:`smile_mm.compat`
first, then registers smile_mm's components in mmaction2's registries.
"""
import importlib.util

if importlib.util.find_spec('mmcv') is None:
    raise ImportError(
        'smile_mm needs mmcv >=2.0.0,<2.2.0, full or lite, and neither is '
        "installed: pip install 'mmcv-lite==2.1.0' (or smile_mm[mmcv-lite]); "
        "in OpenTAD's environment keep its mmcv 2.0.1")

from . import compat  # noqa: E402

compat.apply_all()

from . import registry  # noqa: E402,F401  (the 'smile_mm::' config scope)
from . import datasets  # noqa: E402,F401  (registers datasets, transforms)
from . import models  # noqa: E402,F401  (registers the model parts)
from . import engine  # noqa: E402,F401  (registers hooks)
from . import evaluation  # noqa: E402,F401  (registers metrics)
from . import apis  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = [
    '__version__', 'apis', 'compat', 'datasets', 'engine', 'evaluation',
    'models', 'packaged_configs', 'registry'
]
