"""Key maps between the authors' VideoMAE-layout checkpoints, smile_mm and
mmaction2.

Layouts:

* ``'videomae-pretrain'``: the authors' SMILE / VideoMAE pretraining
  checkpoints: ``encoder.patch_embed.proj``, ``encoder.blocks.N.attn.qkv``
  with ``q_bias`` / ``v_bias``, ``encoder.blocks.N.mlp.fc1`` / ``fc2``,
  ``encoder.norm``, ``encoder_to_decoder``, ``mask_token``, ``decoder.*``.
* ``'videomae-finetune'``: their fine-tuned checkpoints: the same without
  ``encoder.``, plus ``fc_norm`` and ``head``.
* ``'smile'``: smile_mm's ``SMILERecognizer`` (``backbone.*``, ``neck.*``).
* ``'mmaction'``: a ``Recognizer3D`` with ``VisionTransformer`` (or
  ``SMILEVisionTransformer``) and ``TimeSformerHead`` (``backbone.*``,
  ``cls_head.fc_cls.*``).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Tuple

from torch import Tensor

StateDict = Dict[str, Tensor]
LAYOUTS = ('videomae-pretrain', 'videomae-finetune', 'smile', 'mmaction')


def _renamed(state: StateDict, rename) -> StateDict:
    """``state`` with keys (and the metadata of modules, which records
    encoders' token grids) renamed by ``rename(key) -> key or None``."""
    renamed = OrderedDict()
    for key, value in state.items():
        new = rename(key)
        if new is not None:
            renamed[new] = value
    metadata = getattr(state, '_metadata', None)
    if metadata is not None:
        renamed._metadata = OrderedDict()
        for name, value in metadata.items():
            new = rename(name + '.' if name else '')
            if new is not None:
                renamed._metadata[new[:-1] if new.endswith('.') else new] = \
                    value
    return renamed


def strip_prefix(state: StateDict, prefix: str) -> StateDict:
    """The entries under ``prefix`` (``'backbone.'``) without it, metadata
    included."""
    return _renamed(state, lambda k: k[len(prefix):]
                    if k.startswith(prefix) else None)


def unwrap(checkpoint) -> StateDict:
    """The state dict inside a checkpoint (``model``, ``module`` or
    ``state_dict`` wrappers), without DDP's ``module.`` prefix; the
    metadata (encoders' token grids) is kept."""
    state = checkpoint
    for key in ('model', 'module', 'state_dict'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not state:
        raise ValueError('no state dict found in the checkpoint (looked for '
                         "'model', 'module' and 'state_dict')")
    return _renamed(state, lambda k: k[len('module.'):]
                    if k.startswith('module.') else k)


def detect_layout(state: StateDict) -> str:
    """Which of :data:`LAYOUTS` a state dict has."""
    keys = list(state)
    if any(k.startswith('encoder.patch_embed.') for k in keys):
        return 'videomae-pretrain'
    if any(k.startswith('patch_embed.proj.') for k in keys):
        return 'videomae-finetune'
    if any(k.startswith('backbone.patch_embed.projection.') for k in keys):
        return 'smile' if any(k.startswith('neck.') for k in keys) else \
            'mmaction'
    raise ValueError('unknown checkpoint layout: no patch embedding among '
                     f'keys like {keys[:5]}')


def _block_key(key: str) -> str:
    """VideoMAE's block names -> mmaction2's (the MLP only differs)."""
    return key.replace('.mlp.fc1.', '.mlp.layers.0.0.').replace(
        '.mlp.fc2.', '.mlp.layers.1.')


def _videomae_encoder_key(key: str) -> str:
    key = key.replace('patch_embed.proj.', 'patch_embed.projection.')
    return _block_key(key)


def videomae_to_smile(state: StateDict) -> Tuple[StateDict, List[str]]:
    """A VideoMAE-layout pretraining state dict -> ``SMILERecognizer``.

    Returns:
        tuple: The converted state dict and the keys left out (a teacher,
        for instance).
    """
    converted, left_out = OrderedDict(), []
    for key, value in state.items():
        if key.startswith('encoder.'):
            converted['backbone.' + _videomae_encoder_key(key[8:])] = value
        elif key.startswith('decoder.'):
            converted['neck.' + _block_key(key[8:])] = value
        elif key in ('encoder_to_decoder.weight', 'mask_token'):
            converted['neck.' + key] = value
        elif key == 'pos_embed':  # the decoder's table, where it is saved
            converted['neck.pos_embed'] = value
        else:
            left_out.append(key)
    return converted, left_out


def videomae_to_mmaction(state: StateDict) -> Tuple[StateDict, List[str]]:
    """A VideoMAE-layout pretraining or fine-tuned state dict ->
    ``Recognizer3D`` (the encoder, and ``fc_norm`` and the classifier of a
    fine-tuned one)."""
    converted, left_out = OrderedDict(), []
    pretrain = detect_layout(state) == 'videomae-pretrain'
    for key, value in state.items():
        if pretrain:
            if key.startswith('encoder.'):
                converted['backbone.' + _videomae_encoder_key(key[8:])] = \
                    value
            else:
                left_out.append(key)
        elif key.startswith('head.'):
            converted['cls_head.fc_cls.' + key[5:]] = value
        else:
            converted['backbone.' + _videomae_encoder_key(key)] = value
    return converted, left_out


def smile_to_mmaction(state: StateDict, mean_pooling: bool = False
                      ) -> Tuple[StateDict, List[str]]:
    """A ``SMILERecognizer`` state dict -> ``Recognizer3D``'s backbone.

    Args:
        mean_pooling: For a backbone with ``fc_norm`` (mmaction's
            ``use_mean_pooling=True``, VideoMAE fine-tuning), which has no
            final per-token norm: the pretraining ``norm`` is left out.
    """
    converted, left_out = OrderedDict(), []
    for key, value in state.items():
        keep = key.startswith('backbone.') and not (
            mean_pooling and key.startswith('backbone.norm.'))
        if keep:
            converted[key] = value
        else:
            left_out.append(key)
    return converted, left_out
