"""Key maps between checkpoint layouts (:data:`LAYOUTS`): the authors'
VideoMAE-layout pretraining and fine-tuned ones, ``SMILERecognizer``'s and
``Recognizer3D``'s; :data:`LAYOUT_KEYS` lists every key of each."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Dict, List, Tuple

from torch import Tensor

from .pos_embed import copy_records

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
    copy_records(state, renamed, rename)
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


_WB = r'\.(weight|bias)'
_BLOCK = (r'blocks\.\d+\.(norm[12]{wb}|attn\.proj{wb}|attn\.qkv{wb}|'
          r'attn\.[qv]_bias|gamma_[12]|{mlp})')
_VIDEOMAE_BLOCK = _BLOCK.format(wb=_WB, mlp=rf'mlp\.fc[12]{_WB}')
_MMACTION_BLOCK = _BLOCK.format(wb=_WB,
                                mlp=rf'mlp\.layers\.(0\.0|1){_WB}')
_VIDEOMAE_ENCODER = rf'patch_embed\.proj{_WB}|pos_embed|norm{_WB}|' + \
    _VIDEOMAE_BLOCK
_MMACTION_ENCODER = rf'patch_embed\.projection{_WB}|pos_embed|norm{_WB}|' \
    rf'fc_norm{_WB}|' + _MMACTION_BLOCK
#: every key each layout may hold, and a key that marks it
LAYOUT_KEYS = {
    'videomae-pretrain': (
        'encoder.patch_embed.proj.weight',
        rf'encoder\.({_VIDEOMAE_ENCODER})|decoder\.({_VIDEOMAE_BLOCK}|'
        rf'norm{_WB}|head{_WB})|encoder_to_decoder\.weight|mask_token|'
        'pos_embed'),
    'videomae-finetune': (
        'patch_embed.proj.weight',
        rf'{_VIDEOMAE_ENCODER}|fc_norm{_WB}|head{_WB}'),
    'smile': (
        'neck.encoder_to_decoder.weight',
        rf'backbone\.({_MMACTION_ENCODER})|neck\.({_MMACTION_BLOCK}|'
        rf'norm{_WB}|head{_WB}|encoder_to_decoder\.weight|mask_token|'
        'pos_embed)'),
    'mmaction': (
        'backbone.patch_embed.projection.weight',
        rf'backbone\.({_MMACTION_ENCODER})|cls_head\.[\w.]+'),
}


def strangers(state: StateDict, layout: str) -> List[str]:
    """Keys of ``state`` that no ``layout`` checkpoint holds."""
    pattern = LAYOUT_KEYS[layout][1]
    return [k for k in state if not re.fullmatch(pattern, k)]


def detect_layout(state: StateDict) -> str:
    """Which of :data:`LAYOUTS` a state dict has: the one whose marking key
    it holds and whose keys account for all of its keys.

    Raises:
        ValueError: saying what was found.
    """
    keys = list(state)
    for layout, (marker, _) in LAYOUT_KEYS.items():
        if marker not in state:
            continue
        unknown = strangers(state, layout)
        if not unknown:
            return layout
        raise ValueError(
            f'the checkpoint looks like the {layout} layout (it has '
            f'{marker}) but {len(unknown)} of its {len(keys)} keys belong '
            f'to no {layout} checkpoint: {unknown[:6]}; give --from '
            f'{layout} to convert the rest and leave these out')
    raise ValueError(
        'unknown checkpoint layout: none of '
        f'{[marker for marker, _ in LAYOUT_KEYS.values()]} among its '
        f'{len(keys)} keys, which start {sorted(keys)[:5]}')


def _mmaction_key(key: str) -> str:
    """VideoMAE's encoder or decoder key -> mmaction2's (the patch
    embedding and the MLPs differ)."""
    return (key.replace('patch_embed.proj.', 'patch_embed.projection.')
            .replace('.mlp.fc1.', '.mlp.layers.0.0.')
            .replace('.mlp.fc2.', '.mlp.layers.1.'))


def videomae_to_smile(state: StateDict) -> Tuple[StateDict, List[str]]:
    """A VideoMAE-layout pretraining state dict -> ``SMILERecognizer``.

    Returns:
        tuple: The converted state dict and the keys left out (a teacher,
        for instance).
    """
    converted, left_out = OrderedDict(), []
    for key, value in state.items():
        if key.startswith('encoder.'):
            converted['backbone.' + _mmaction_key(key[8:])] = value
        elif key.startswith('decoder.'):
            converted['neck.' + _mmaction_key(key[8:])] = value
        elif key in ('encoder_to_decoder.weight', 'mask_token', 'pos_embed'):
            converted['neck.' + key] = value  # pos_embed: the decoder's
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
        if key.startswith('head.') and not pretrain:
            converted['cls_head.fc_cls.' + key[5:]] = value
        elif key.startswith('encoder.') or not pretrain:
            converted['backbone.' + _mmaction_key(
                key.removeprefix('encoder.'))] = value
        else:
            left_out.append(key)
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
        if key.startswith('backbone.') and not (
                mean_pooling and key.startswith('backbone.norm.')):
            converted[key] = value
        else:
            left_out.append(key)
    return converted, left_out
