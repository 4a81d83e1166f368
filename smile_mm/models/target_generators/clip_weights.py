"""CLIP image towers from the weight files users hold (the table in
``docs/model.md``), read into the state dict of open_clip's
``VisionTransformer`` with what the file says of the activation its weights
were trained with. Any other file is an error that says what it is."""
from __future__ import annotations

import json
import os.path as osp
import pickle
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from ...fileio import safe_load
from ..utils.checkpoint_conversion import strip_prefix, unwrap

StateDict = Dict[str, Tensor]

#: scalars OpenAI's TorchScript archives keep beside the weights
_OPENAI_SCALARS = ('input_resolution', 'context_length', 'vocab_size')
#: transformers' names inside a vision layer -> open_clip's
_HF_BLOCK = (('self_attn.out_proj.', 'attn.out_proj.'),
             ('layer_norm1.', 'ln_1.'), ('layer_norm2.', 'ln_2.'),
             ('mlp.fc1.', 'mlp.c_fc.'), ('mlp.fc2.', 'mlp.c_proj.'))
_HF_TOWER = {
    'embeddings.class_embedding': 'class_embedding',
    'embeddings.patch_embedding.weight': 'conv1.weight',
    'embeddings.position_embedding.weight': 'positional_embedding',
    'pre_layrnorm.weight': 'ln_pre.weight',
    'pre_layrnorm.bias': 'ln_pre.bias',
    'post_layernorm.weight': 'ln_post.weight',
    'post_layernorm.bias': 'ln_post.bias',
}
_HF_ACTIVATIONS = {'quick_gelu': True, 'gelu': False}


class CLIPWeightsError(ValueError):
    """A file that holds no CLIP image tower smile_mm can read."""


@dataclass
class CLIPTower:
    """An image tower read from a file.

    Attributes:
        state: open_clip ``VisionTransformer`` state dict.
        layout: What the file was, in words.
        ignored: Keys of the file that are not part of the image tower.
        quick_gelu: The activation the file's weights were trained with, if
            the file (or a config beside it) says: True for QuickGELU.
        activation_source: Where ``quick_gelu`` comes from.
    """
    state: StateDict
    layout: str
    ignored: List[str] = field(default_factory=list)
    quick_gelu: Optional[bool] = None
    activation_source: str = ''

    def summary(self) -> str:
        """``width``, ``patch``, ``blocks`` and ``grid`` of the tower."""
        conv = self.state['conv1.weight']
        blocks = {int(m.group(1)) for k in self.state
                  if (m := re.match(r'transformer\.resblocks\.(\d+)\.', k))}
        side = round((self.state['positional_embedding'].shape[0] - 1)**0.5)
        return (f'{conv.shape[0]} wide, {conv.shape[-1]} px patches, '
                f'{len(blocks)} blocks, {side}x{side} patch grid')


def _is_torchscript(path: str) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith('/constants.pkl')
                   for name in archive.namelist())


def _load(path: str) -> Tuple[dict, str]:
    """The tensors of a file and the kind of file they came from."""
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path), 'safetensors'
    if path.endswith(('.npz', '.npy')):
        raise CLIPWeightsError(
            f'{path} is a numpy file (big_vision SigLIP weights); '
            'CLIPTeacher reads OpenAI-CLIP-style ViTs: give an open_clip tag '
            'or a .pt/.bin/.safetensors CLIP file')
    if _is_torchscript(path):
        archive = torch.jit.load(path, map_location='cpu')
        return dict(archive.state_dict()), 'TorchScript archive'
    try:
        return safe_load(path), 'PyTorch file'
    except pickle.UnpicklingError as error:
        raise CLIPWeightsError(
            f'{error}; CLIPTeacher reads tensors only: an open_clip or '
            'OpenAI CLIP file, the image tower alone, or a transformers CLIP '
            'model') from None


def _unwrap(state) -> dict:
    if isinstance(state, dict) and 'message_hub' in state:
        raise CLIPWeightsError('is an mmengine training checkpoint (it has '
                               'a message hub and a state_dict of '
                               f'{len(state.get("state_dict") or {})} '
                               'tensors): expected CLIP weights')
    try:
        state = unwrap(state)
    except ValueError:
        state = None
    if state is None or not all(isinstance(v, Tensor)
                                for v in state.values()):
        raise CLIPWeightsError('holds no dict of tensors: expected CLIP '
                               'weights')
    return state


def _describe(keys: List[str]) -> str:
    """What a state dict that is no CLIP tower probably is."""
    if any(k.startswith('backbone.') for k in keys):
        return ('a video model checkpoint of smile_mm or mmaction2 '
                '(backbone.* keys), not CLIP weights')
    if any(k.startswith('encoder.patch_embed.') for k in keys):
        return 'a VideoMAE-layout student checkpoint, not CLIP weights'
    if any(k.startswith(('blocks.0.', 'patch_embed.proj')) for k in keys):
        return ('a timm-style ViT (patch_embed / blocks keys); use '
                'TimmTeacher for timm models')
    return f'no CLIP image tower (keys such as {sorted(keys)[:5]})'


def _transformers_prefix(keys: List[str]) -> Optional[str]:
    """``'vision_model.'`` (CLIPModel, CLIPVisionModelWithProjection),
    ``''`` (transformers 5 saves CLIPVisionModel without it), or None."""
    for prefix in ('vision_model.', ''):
        if prefix + 'embeddings.patch_embedding.weight' in keys:
            return prefix
    return None


def _from_transformers(state: dict,
                       prefix: str) -> Tuple[StateDict, List[str]]:
    tower: StateDict = {}
    ignored, unknown = [], []
    qkv: Dict[Tuple[int, str], Dict[str, Tensor]] = {}
    for key, value in state.items():
        if key == 'visual_projection.weight':
            tower['proj'] = value.t().contiguous()
            continue
        if not key.startswith(prefix) or key.startswith('text_model.'):
            ignored.append(key)
            continue
        name = key[len(prefix):]
        if name in _HF_TOWER:
            tower[_HF_TOWER[name]] = value
            continue
        if name == 'embeddings.position_ids':
            ignored.append(key)
            continue
        match = re.match(r'encoder\.layers\.(\d+)\.(.+)', name)
        if match is None:
            unknown.append(key)
            continue
        index, rest = int(match.group(1)), match.group(2)
        part = re.match(r'self_attn\.([qkv])_proj\.(weight|bias)$', rest)
        if part:
            qkv.setdefault((index, part.group(2)), {})[part.group(1)] = value
            continue
        for theirs, ours in _HF_BLOCK:
            if rest.startswith(theirs):
                tower[f'transformer.resblocks.{index}.{ours}'
                      f'{rest[len(theirs):]}'] = value
                break
        else:
            unknown.append(key)
    for (index, kind), parts in sorted(qkv.items()):
        if set(parts) != {'q', 'k', 'v'}:
            unknown.append(f'{prefix}encoder.layers.{index}.self_attn.'
                           f'{{q,k,v}}_proj.{kind} (only {sorted(parts)})')
            continue
        tower[f'transformer.resblocks.{index}.attn.in_proj_{kind}'] = \
            torch.cat([parts['q'], parts['k'], parts['v']])
    if unknown:
        raise CLIPWeightsError(
            'is a transformers CLIP model with vision keys that a CLIP ViT '
            f'does not have: {unknown[:6]}')
    return tower, ignored


def _config_beside(path: str, name: str) -> Optional[dict]:
    config = osp.join(osp.dirname(osp.abspath(path)), name)
    if not osp.isfile(config):
        return None
    with open(config, encoding='utf-8') as file:
        return json.load(file)


def _transformers_activation(path: str) -> Tuple[Optional[bool], str]:
    config = _config_beside(path, 'config.json')
    if config is None:
        return None, ''
    vision = config.get('vision_config', config)
    act = vision.get('hidden_act', config.get('hidden_act'))
    model_type = vision.get('model_type', config.get('model_type'))
    if act is None and model_type in ('clip', 'clip_vision_model'):
        # transformers 4 writes only what differs from the defaults, and
        # CLIPVisionConfig's hidden_act default is 'quick_gelu'
        return True, ("no hidden_act in its config.json: transformers' CLIP "
                      "default, 'quick_gelu'")
    if act not in _HF_ACTIVATIONS:
        raise CLIPWeightsError(
            f'config.json beside {path} gives hidden_act={act!r}; a CLIP '
            f'teacher uses one of {sorted(_HF_ACTIVATIONS)}')
    return _HF_ACTIVATIONS[act], f"hidden_act='{act}' in its config.json"


def _open_clip_activation(path: str) -> Tuple[Optional[bool], str]:
    config = _config_beside(path, 'open_clip_config.json')
    if config is None:
        return None, ''
    quick = bool(config.get('model_cfg', config).get('quick_gelu', False))
    return quick, f'quick_gelu={quick} in its open_clip_config.json'


def read_clip_tower(path: str) -> CLIPTower:
    """Read the image tower of any CLIP weight file (see the module doc).

    Raises:
        CLIPWeightsError: the file is not a CLIP file, saying what it is.
    """
    raw, kind = _load(path)
    try:
        state = _unwrap(raw)
        keys = list(state)
        prefix = _transformers_prefix(keys)
        if prefix is not None:
            tower, ignored = _from_transformers(state, prefix)
            quick, source = _transformers_activation(path)
            return CLIPTower(tower, f'transformers CLIP ({kind})', ignored,
                             quick, source)
        if 'visual.conv1.weight' in state:
            tower = strip_prefix(state, 'visual.')
            ignored = [k for k in keys if not k.startswith('visual.')]
            full = any(k not in _OPENAI_SCALARS for k in ignored)
            layout = (f'full CLIP, image tower under visual. ({kind})'
                      if full else f'image tower with visual. ({kind})')
        elif 'conv1.weight' in state:
            tower, ignored = dict(state), []
            layout = f'image tower alone ({kind})'
        else:
            raise CLIPWeightsError(f'is {_describe(keys)}')
    except CLIPWeightsError as error:
        raise CLIPWeightsError(f'{path} {error}') from None
    if kind == 'TorchScript archive':
        quick, source = True, "OpenAI's TorchScript archive"
    else:
        quick, source = _open_clip_activation(path)
    return CLIPTower(tower, layout, ignored, quick, source)


def key_summary(keys: List[str]) -> str:
    """Keys grouped by their first part, for a log line:
    ``'ln_final.* (2), token_embedding.weight, transformer.* (48)'``."""
    counts = Counter(k.split('.')[0] for k in keys)
    full = {k.split('.')[0]: k for k in keys}
    return ', '.join(f'{name}.* ({n})' if n > 1 else full[name]
                     for name, n in sorted(counts.items()))
