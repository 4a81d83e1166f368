"""Layer-wise learning-rate decay whose logged lr is the classifier's."""
from __future__ import annotations

from typing import List

from mmaction.engine.optimizers import LearningRateDecayOptimizerConstructor
from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.logging import MMLogger
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimizerConstructor):
    """mmaction2's layer-wise lr decay (VideoMAE's fine-tuning, paper Table
    17) for a ViT backbone, except that ``paramwise_cfg.num_layers``
    defaults to, and must equal, the backbone's ``depth``; the groups run
    from the highest lr to the lowest, so the ``lr`` mmengine logs (the
    first group's) is the classifier's; and one log line sums them up.

    Args:
        optim_wrapper_cfg: As for mmengine's constructor.
        paramwise_cfg: ``decay_rate`` (0.75 in Table 17), ``decay_type``
            (``'layer_wise'``) and, optionally, ``num_layers``.
    """

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        depth = getattr(getattr(module, 'backbone', None), 'depth', None)
        num_layers = self.paramwise_cfg.get('num_layers')
        if depth is not None:
            if num_layers is None:
                self.paramwise_cfg = dict(self.paramwise_cfg,
                                          num_layers=depth)
            elif num_layers != depth:
                raise ValueError(
                    f'paramwise_cfg.num_layers is {num_layers}, but the '
                    f'backbone has {depth} blocks: leave num_layers out (it '
                    'defaults to the depth) or set it to the depth')
        elif num_layers is None:
            raise ValueError(
                'paramwise_cfg.num_layers is not set and the backbone has no '
                '`depth` to take it from: set it to the number of blocks')
        first = len(params)
        super().add_params(params, module, **kwargs)
        groups = sorted(params[first:], key=lambda g: -g['lr_scale'])
        params[first:] = groups
        if groups:
            MMLogger.get_current_instance().info(
                f'Layer-wise lr decay {self.paramwise_cfg["decay_rate"]} over '
                f'{self.paramwise_cfg["num_layers"]} blocks: {len(groups)} '
                f'parameter groups, lr x{groups[0]["lr_scale"]:g} '
                f'({groups[0]["param_names"][0]} ...) down to '
                f'x{groups[-1]["lr_scale"]:.3g} '
                f'({groups[-1]["param_names"][0]} ...); the logged lr is the '
                'first group\'s')
