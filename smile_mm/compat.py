"""Fixes for faults in the upstream OpenMMLab stack, applied once at import.

``smile_mm/__init__.py`` imports this module first, so every entry point that
imports smile_mm (its tools, ``custom_imports``, ``mim train``) runs on a
patched stack. Each fix (its comment names the upstream fault) does nothing
when the fault is absent and has a test in ``tests/test_compat.py``;
``docs/troubleshooting.md`` describes them for users.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
import types
import warnings
from typing import Callable, Dict, List

import numpy as np
import torch

_APPLIED: List[str] = []
_SILENCED: List[str] = []
_PATCH_MARK = '_smile_mm_patched'


def _log(message: str) -> None:
    logging.getLogger('smile_mm').debug(message)


def _replace(owner, name: str, new: Callable) -> bool:
    """Put ``new`` in place of ``owner.name`` unless an earlier call did."""
    if getattr(getattr(owner, name), _PATCH_MARK, False):
        return False
    setattr(new, _PATCH_MARK, True)
    setattr(owner, name, new)
    return True


# 1. mmaction2 1.2.0 ships without its DRN localizer --------------------------
class _MissingDRN:
    """Stands in for ``mmaction.models.localizers.DRN``, absent upstream."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel '
            '(open-mmlab/mmaction2#2714); install mmaction2 from its git '
            'repository to use the DRN localizer.')


def fix_missing_drn() -> bool:
    """Register a stub ``mmaction.models.localizers.drn`` where it is absent.

    The check looks for the folder by path: ``importlib.util.find_spec``
    would import ``mmaction.models`` and fail on the very fault it checks.
    """
    import mmaction
    localizers = os.path.join(
        os.path.dirname(mmaction.__file__), 'models', 'localizers')
    name = 'mmaction.models.localizers.drn'
    if os.path.isdir(os.path.join(localizers, 'drn')) or name in sys.modules:
        return False
    package = types.ModuleType(name)
    package.__path__ = []  # a package, so that `drn.drn` resolves
    module = types.ModuleType(name + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


# 2. torch >= 2.6 loads with weights_only=True, and mmengine 0.10.7 cannot read
# its own checkpoints (HistoryBuffer): local files go through safe_load
def _load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint file, allowing what mmengine's hold."""
    from .fileio import safe_load
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    return safe_load(filename, map_location=map_location)


def fix_local_checkpoints() -> bool:
    from mmengine.runner.checkpoint import CheckpointLoader
    current = CheckpointLoader._schemes.get('')
    if getattr(current, _PATCH_MARK, False):
        return False
    setattr(_load_local_checkpoint, _PATCH_MARK, True)
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)
    return True


# 3. numpy 2 removed np.Inf, np.trapz and np.in1d, and turned ColorJitter's
# negative hue shift into an OverflowError (uint8 plus a negative int)
def _in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """numpy 1's ``in1d``: ``isin`` on the flattened first argument."""
    return np.isin(np.ravel(ar1), ar2, assume_unique=assume_unique,
                   invert=invert, kind=kind)


#: mmaction 1.2.0's modules that use names numpy 2 removed
_NUMPY1_USERS = ('mmaction.evaluation.functional.accuracy',
                 'mmaction.evaluation.metrics.multimodal_metric',
                 'mmaction.datasets.transforms.pose_transforms',
                 'mmaction.utils.misc')


class _Numpy1Names(types.ModuleType):
    """numpy, plus what numpy 2 removed, for mmaction's modules only: the
    ``numpy`` everyone else imports is left as it is."""

    def __init__(self, aliases: Dict[str, object]) -> None:
        super().__init__('numpy')
        self.__dict__.update(aliases)

    def __getattr__(self, name: str):
        return getattr(np, name)


def fix_numpy2_aliases() -> bool:
    aliases = {name: value for name, value in (
        ('Inf', np.inf), ('trapz', getattr(np, 'trapezoid', None)),
        ('in1d', _in1d)) if value is not None and not hasattr(np, name)}
    if not aliases:  # numpy 1: nothing removed
        return False
    namespace = _Numpy1Names(aliases)
    changed = False
    for name in _NUMPY1_USERS:
        module = importlib.import_module(name)
        if getattr(module, 'np', None) is np:
            module.np = namespace
            changed = True
    return changed


def _adjust_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """mmaction's ColorJitter hue shift with the sum taken in int16."""
    import cv2
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hue = (hsv[..., 0].astype(np.int16) + offset) % 180
    hsv[..., 0] = hue.astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def _uint8_plus_negative_int_fails() -> bool:
    """numpy 2 (NEP 50): uint8 array + negative Python int overflows."""
    try:
        np.zeros(1, np.uint8) + int(-1)
    except OverflowError:
        return True
    return False


def fix_color_jitter_hue() -> bool:
    from mmaction.datasets.transforms.processing import ColorJitter
    if (getattr(ColorJitter.adjust_hue, _PATCH_MARK, False)
            or not _uint8_plus_negative_int_fails()):
        return False
    setattr(_adjust_hue, _PATCH_MARK, True)
    ColorJitter.adjust_hue = staticmethod(_adjust_hue)
    return True


# 4. torchrun without CUDA: mmengine calls torch.cuda.set_device and passes the
# local rank as DDP's device_ids / FSDP's device_id
def fix_cpu_distributed() -> bool:
    if torch.cuda.is_available():  # mmengine's own path works there
        return False
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel
    init_dist: Callable = dist_utils._init_dist_pytorch
    ddp_init: Callable = MMDistributedDataParallel.__init__

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if init_backend != 'torch':
            return init_dist(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            _log('no CUDA device: distributed backend nccl -> gloo')
            backend = 'gloo'
        torch.distributed.init_process_group(backend=backend, **kwargs)

    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(not p.is_cuda for p in module.parameters())
        if on_cpu and kwargs.get('device_ids') is not None:
            kwargs.update(device_ids=None, output_device=None)
        ddp_init(self, module, detect_anomalous_params, **kwargs)

    patched = (_replace(dist_utils, '_init_dist_pytorch', _init_dist_pytorch)
               | _replace(MMDistributedDataParallel, '__init__', __init__))
    try:  # FSDP through mmengine's FlexibleRunner: its strategy passes the
        # local rank as a CUDA device index
        from mmengine.model.wrappers import MMFullyShardedDataParallel
    except ImportError:
        return patched
    fsdp_init: Callable = MMFullyShardedDataParallel.__init__

    def fsdp_cpu_init(self, module, *args, **kwargs):
        if isinstance(kwargs.get('device_id'), int):
            kwargs['device_id'] = torch.device('cpu')
        fsdp_init(self, module, *args, **kwargs)

    return _replace(MMFullyShardedDataParallel, '__init__',
                    fsdp_cpu_init) | patched


# 5. mmpretrain and mmaction2 1.2.0 turn on BLIP / VindLU for any transformers
# >= 4.28, whose code imports helpers transformers 5 removed; their flags are
# set right after their utils.dependency modules run (mmpretrain's __init__
# reaches its BLIP code in the same import, so nothing earlier can)
_FLAG_MODULES = ('mmpretrain.utils.dependency', 'mmaction.utils.dependency')


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``patch(module)`` right after each of the modules ``names`` is
    executed."""

    def __init__(self, names, patch: Callable) -> None:
        self.names = set(names)
        self.patch = patch

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names:
            return None
        self.names.discard(fullname)
        if not self.names:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


def transformers_without_blip_helpers() -> bool:
    """Whether the installed transformers is 5 or newer, which removed
    ``find_pruneable_heads_and_indices`` and the other helpers that BLIP and
    VindLU import (read from its metadata: transformers is not loaded)."""
    from importlib.metadata import PackageNotFoundError, version
    try:  # the major version: 5.0.0rc1 and 5.0.0.dev0 lack them too
        return int(version('transformers').split('.')[0]) >= 5
    except PackageNotFoundError:
        return False


def _disable_multimodal(module: types.ModuleType) -> None:
    module.WITH_MULTIMODAL = False
    _log(f'transformers lacks what {module.__name__} expects: its '
         'multi-modal models are turned off')


def fix_multimodal_transformers5() -> bool:
    if (any(isinstance(f, _AfterImport) for f in sys.meta_path)
            or not transformers_without_blip_helpers()):
        return False
    waiting, changed = [], False
    for name in _FLAG_MODULES:
        module = sys.modules.get(name)
        if module is None:
            waiting.append(name)
        elif module.WITH_MULTIMODAL:
            _disable_multimodal(module)
            changed = True
    if waiting:
        sys.meta_path.insert(0, _AfterImport(waiting, _disable_multimodal))
    return changed or bool(waiting)


# 6. mmaction2 1.1.0's PackActionInputs without algorithm_keys ----------------
def fix_pack_algorithm_keys() -> bool:
    import inspect

    from mmaction.datasets.transforms import formatting
    from mmaction.registry import TRANSFORMS
    upstream = formatting.PackActionInputs
    if ('algorithm_keys' in inspect.signature(upstream.__init__).parameters
            or getattr(TRANSFORMS.get('PackActionInputs'), _PATCH_MARK,
                       False)):
        return False

    class PackActionInputs(upstream):
        """mmaction2 1.1.0's PackActionInputs with 1.2.0's
        ``algorithm_keys``: each listed key of the results becomes a field
        of the data sample."""

        def __init__(self, *args, algorithm_keys=(), **kwargs):
            super().__init__(*args, **kwargs)
            self.algorithm_keys = tuple(algorithm_keys)

        def transform(self, results):
            packed = super().transform(results)
            for key in self.algorithm_keys:
                if key in results:
                    packed['data_samples'].set_field(results[key], key)
            return packed

    setattr(PackActionInputs, _PATCH_MARK, True)
    TRANSFORMS.register_module(name='PackActionInputs',
                               module=PackActionInputs, force=True)
    return True


# 7. import-time warnings nobody can act on: mmcv-lite lacks the compiled
# MultiScaleDeformableAttention (unused here); setuptools 80 deprecates
# pkg_resources, which mmengine imports for mmaction:: bases (setuptools<81)
#: (message pattern, where it is silenced) of each silenced warning
IMPORT_WARNINGS = (
    (r'Fail to import ``MultiScaleDeformableAttention``', 'no mmcv._ext'),
    (r'pkg_resources is deprecated as an API', 'always'),
)


def fix_import_warnings() -> bool:
    if _SILENCED:
        return False
    for message, where in IMPORT_WARNINGS:
        if where == 'always' or not _has_mmcv_ops():
            warnings.filterwarnings('ignore', message=message)
            _SILENCED.append(message)
    return bool(_SILENCED)


def _has_mmcv_ops() -> bool:
    """Whether full mmcv's compiled operators (``mmcv._ext``) are there;
    mmcv-lite ships the Python files of ``mmcv.ops`` without them."""
    import glob
    spec = importlib.util.find_spec('mmcv')
    return bool(spec and spec.submodule_search_locations and any(
        glob.glob(os.path.join(folder, '_ext*'))
        for folder in spec.submodule_search_locations))


FIXES: Dict[str, Callable[[], bool]] = {
    'import_warnings': fix_import_warnings,
    'multimodal_transformers5': fix_multimodal_transformers5,
    'missing_drn': fix_missing_drn,
    'local_checkpoints': fix_local_checkpoints,
    'numpy2_aliases': fix_numpy2_aliases,
    'color_jitter_hue': fix_color_jitter_hue,
    'cpu_distributed': fix_cpu_distributed,
    'pack_algorithm_keys': fix_pack_algorithm_keys,
}


def apply_all() -> List[str]:
    """Apply every fix once; returns the names of those that changed things."""
    for name, fix in FIXES.items():
        if fix():
            _APPLIED.append(name)
            _log(f'compat fix applied: {name}')
    return list(_APPLIED)


def applied() -> List[str]:
    """Names of the fixes that changed something in this process."""
    return list(_APPLIED)
