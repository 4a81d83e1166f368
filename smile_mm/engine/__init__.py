"""Training-loop additions: the runner that resolves config references,
progressive training, layer-wise lr decay, FSDP wrapping, clean distributed
ends."""
from .build import build_runner
from .config_references import is_reference, resolve_references
from .config_settings import ConfigSettingError
from .distributed import shutdown_distributed
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .hooks import ProgressiveTrainingHook
from .optimizers import LayerDecayOptimWrapperConstructor
from .runner import SMILERunner

__all__ = [
    'ConfigSettingError', 'LayerDecayOptimWrapperConstructor',
    'ProgressiveTrainingHook', 'SMILERunner', 'build_runner', 'is_reference',
    'resolve_references', 'shutdown_distributed',
    'transformer_block_wrap_policy'
]
