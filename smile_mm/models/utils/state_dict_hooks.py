"""State-dict hooks of smile_mm's modules, on every torch it supports.

torch 2.5 made the state-dict post-hook and load pre-hook public
(pytorch/pytorch#131690); torch 2.0 to 2.4 (OpenTAD's pin is 2.0.1) have
them only under private names with the same signatures, used only there.
"""
from __future__ import annotations

from typing import Callable, Sequence

from torch import nn


def on_state_dict(module: nn.Module, hook: Callable):
    """Call ``hook(module, state_dict, prefix, local_metadata)`` after
    ``module`` wrote its state dict; returns torch's handle."""
    register = getattr(module, 'register_state_dict_post_hook', None)
    if register is None:  # torch < 2.5
        return module._register_state_dict_hook(hook)
    return register(hook)


def on_load_state_dict(module: nn.Module, hook: Callable,
                       adapts: Sequence[str] = ()):
    """Call ``hook(module, state_dict, prefix, local_metadata, ...)`` before
    ``module`` loads a state dict; returns torch's handle.

    Args:
        adapts: The module's own entries (``'pos_embed'``) the hook fills in
            or resizes; recorded as ``module.adapted_on_load``.
    """
    module.adapted_on_load = (*getattr(module, 'adapted_on_load', ()),
                              *adapts)
    register = getattr(module, 'register_load_state_dict_pre_hook', None)
    if register is None:  # torch < 2.5
        return module._register_load_state_dict_pre_hook(hook,
                                                          with_module=True)
    return register(hook)
