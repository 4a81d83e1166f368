"""Fixes for faults in the upstream OpenMMLab stack, applied once at import.

``smile_mm/__init__.py`` imports this module before anything else, so every
entry point that imports smile_mm (its tools, mmaction2's ``tools/train.py``
through ``custom_imports=dict(imports=['smile_mm'])``, ``mim train``) runs on
a patched stack. Each fix names the upstream fault it answers, does nothing
when the fault is absent, and has a test in ``tests/test_compat.py`` that
fails without it.

The fixes:

1. ``missing_drn``: the mmaction2 1.2.0 wheel and sdist lack
   ``mmaction/models/localizers/drn`` (open-mmlab/mmaction2#2714), so
   ``import mmaction.models`` raises ``ModuleNotFoundError``.
2. ``local_checkpoints``: torch >= 2.6 defaults ``torch.load`` to
   ``weights_only=True``; mmengine 0.10.7 calls it without the argument and
   cannot read its own checkpoints (``Unsupported global: mmengine.logging.
   history_buffer.HistoryBuffer``), so ``--resume`` and ``load_from`` fail.
   Local checkpoint files are loaded by :func:`smile_mm.fileio.safe_load`:
   still ``weights_only=True``, with an allow-list of exactly what
   mmengine's checkpoints hold; remote ones keep torch's default.
3. ``numpy2_aliases`` and ``color_jitter_hue``: numpy 2 removed ``np.Inf``,
   ``np.trapz`` and ``np.in1d`` (used by mmaction's utils, pose transforms
   and metrics: those modules get a numpy namespace with the three names,
   and numpy itself is left alone), and
   turned mmaction's ColorJitter hue shift into an ``OverflowError`` for
   negative shifts (uint8 plus a negative Python int); patched only where
   numpy raises it.
4. ``cpu_distributed``: mmengine's PyTorch launcher calls
   ``torch.cuda.set_device`` and wraps the model with
   ``device_ids=[LOCAL_RANK]`` (DDP) or ``device_id=LOCAL_RANK`` (FSDP), so
   ``torchrun`` on machines without a GPU fails. Without CUDA the process
   group starts on gloo, DDP gets ``device_ids=None`` and FSDP the CPU;
   with CUDA nothing is patched.
5. ``multimodal_transformers5``: mmpretrain 1.2.0 and mmaction2 1.2.0 turn
   on their multi-modal models (BLIP, VindLU) for any
   ``transformers>=4.28.0``, but that code imports
   ``find_pruneable_heads_and_indices`` and other helpers that transformers
   5 removed: with transformers 5 installed, ``import mmaction.models``
   fails (``TypeError: NoneType takes no arguments`` in mmpretrain,
   ``ImportError`` in mmaction). When those helpers are missing, both
   packages' ``WITH_MULTIMODAL`` flags are set to False right after their
   ``utils.dependency`` modules are imported (mmpretrain's ``__init__``
   reaches its BLIP code in the same import, so nothing earlier can), where
   the installed transformers is 5 or newer; their multi-modal models then
   raise the packages' own "requires extra multi-modal dependencies" error,
   and everything else (transformers included) works. mmpretrain is not a
   dependency of smile_mm; where it is installed, mmaction2's backbones
   import it (``MobileOneTSM``), and its flag is set too.
6. ``pack_algorithm_keys``: mmaction2 1.1.0's ``PackActionInputs`` has no
   ``algorithm_keys`` (added in 1.2.0), which SMILE's pipelines use to hand
   the token mask to the model; under 1.1.0 (OpenTAD's pin) smile_mm
   registers its own subclass under that name, with 1.2.0's argument and
   behaviour: each listed key of the results becomes a field of the data
   sample. mmaction2's class is left as it is.
7. ``import_warnings``: two warnings that every run printed and no user can
   act on. mmcv-lite has no compiled ``mmcv.ops``, and ``mmcv.cnn.bricks.transformer``
   warns at import that ``MultiScaleDeformableAttention`` is missing
   (nothing in mmaction2's video recognisers or smile_mm uses it); silenced
   only where mmcv's compiled operators are absent. setuptools 80 warns that
   ``pkg_resources`` is deprecated whenever mmengine imports it to resolve
   ``mmaction::`` config bases, the reason smile_mm pins ``setuptools<81``.

What smile_mm owns itself is not here: its runner writes its checkpoints
whole (:class:`smile_mm.engine.SMILERunner`), and its modules register
their state-dict hooks on every torch
(:mod:`smile_mm.models.utils.state_dict_hooks`).
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
_PATCH_MARK = '_smile_mm_patched'


def _log(message: str) -> None:
    logging.getLogger('smile_mm').debug(message)


# 1. mmaction2 1.2.0 ships without its DRN localizer --------------------------
class _MissingDRN:
    """Stands in for ``mmaction.models.localizers.DRN``, absent upstream."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel '
            '(open-mmlab/mmaction2#2714); install mmaction2 from its git '
            'repository to use the DRN localizer.')


def fix_missing_drn() -> bool:
    """Register a stub ``mmaction.models.localizers.drn`` if the folder is absent.

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


# 2. torch.load(weights_only=True) cannot read mmengine checkpoints -----------
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


# 3. numpy 2 removals ----------------------------------------------------------
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
    aliases: Dict[str, object] = {
        'Inf': np.inf,
        'trapz': getattr(np, 'trapezoid', None),
        'in1d': _in1d,
    }
    aliases = {name: value for name, value in aliases.items()
               if value is not None and not hasattr(np, name)}
    if not aliases:  # numpy 1: nothing removed
        return False
    import importlib
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


# 4. torchrun without CUDA -----------------------------------------------------
def fix_cpu_distributed() -> bool:
    if torch.cuda.is_available():  # mmengine's own path works there
        return False
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel

    patched = False
    original_init_dist: Callable = dist_utils._init_dist_pytorch
    if not getattr(original_init_dist, _PATCH_MARK, False):

        def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
            if init_backend != 'torch':
                return original_init_dist(
                    backend, init_backend=init_backend, **kwargs)
            if backend == 'nccl':
                _log('no CUDA device: distributed backend nccl -> gloo')
                backend = 'gloo'
            torch.distributed.init_process_group(backend=backend, **kwargs)

        setattr(_init_dist_pytorch, _PATCH_MARK, True)
        dist_utils._init_dist_pytorch = _init_dist_pytorch
        patched = True

    original_ddp_init: Callable = MMDistributedDataParallel.__init__
    if not getattr(original_ddp_init, _PATCH_MARK, False):

        def __init__(self, module, detect_anomalous_params=False, **kwargs):
            on_cpu = all(not p.is_cuda for p in module.parameters())
            if on_cpu and kwargs.get('device_ids') is not None:
                kwargs['device_ids'] = None
                kwargs['output_device'] = None
            original_ddp_init(self, module, detect_anomalous_params, **kwargs)

        setattr(__init__, _PATCH_MARK, True)
        MMDistributedDataParallel.__init__ = __init__
        patched = True

    try:  # FSDP through mmengine's FlexibleRunner: its strategy passes the
        # local rank as a CUDA device index
        from mmengine.model.wrappers import MMFullyShardedDataParallel
    except ImportError:
        return patched
    original_fsdp_init: Callable = MMFullyShardedDataParallel.__init__
    if not getattr(original_fsdp_init, _PATCH_MARK, False):

        def fsdp_init(self, module, *args, **kwargs):
            if isinstance(kwargs.get('device_id'), int):
                kwargs['device_id'] = torch.device('cpu')
            original_fsdp_init(self, module, *args, **kwargs)

        setattr(fsdp_init, _PATCH_MARK, True)
        MMFullyShardedDataParallel.__init__ = fsdp_init
        patched = True
    return patched


# 5. multi-modal models of mmpretrain and mmaction2 beside transformers 5 ----
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

    from mmengine.utils import digit_version
    try:
        return digit_version(version('transformers')) >= digit_version('5.0')
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


# 7. import-time warnings nobody can act on -------------------------------------
#: (message pattern, where it is silenced) of each silenced warning
IMPORT_WARNINGS = (
    (r'Fail to import ``MultiScaleDeformableAttention``', 'no mmcv._ext'),
    (r'pkg_resources is deprecated as an API', 'always'),
)


def fix_import_warnings() -> bool:
    if _SILENCED:
        return False
    for message, where in IMPORT_WARNINGS:
        if where == 'no mmcv._ext' and _has_mmcv_ops():
            continue
        warnings.filterwarnings('ignore', message=message)
        _SILENCED.append(message)
    return bool(_SILENCED)


_SILENCED: List[str] = []


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
    """Apply every fix once; returns the names of those that changed something."""
    for name, fix in FIXES.items():
        if fix():
            _APPLIED.append(name)
            _log(f'compat fix applied: {name}')
    return list(_APPLIED)


def applied() -> List[str]:
    """Names of the fixes that changed something in this process."""
    return list(_APPLIED)
