"""OpenAI CLIP's image tower written from its published architecture
(Radford et al. 2021 and the released model code's layout), independently of
open_clip, and its weights saved in every layout users hold.

The tower: a bias-free patch convolution, a class token, learned positions,
``ln_pre``, pre-norm residual blocks (multi-head attention with one packed
q/k/v projection, then an MLP of width 4C with QuickGELU,
``x * sigmoid(1.702 x)``), ``ln_post`` on every token, and an optional
projection ``proj``. LayerNorms use eps 1e-5.
"""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class RefBlock(nn.Module):

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.Module()
        self.attn.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.attn.in_proj_bias = nn.Parameter(torch.empty(3 * width))
        self.attn.out_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(width, 4 * width)
        self.mlp.c_proj = nn.Linear(4 * width, width)

    def attention(self, x):
        batch, tokens, width = x.shape
        q, k, v = F.linear(x, self.attn.in_proj_weight,
                           self.attn.in_proj_bias).chunk(3, dim=-1)
        split = (batch, tokens, self.heads, width // self.heads)
        q, k, v = (t.reshape(split).transpose(1, 2) for t in (q, k, v))
        weights = (q @ k.transpose(-2, -1)) / (width // self.heads)**0.5
        out = weights.softmax(dim=-1) @ v
        return self.attn.out_proj(out.transpose(1, 2).reshape(x.shape))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp.c_proj(quick_gelu(self.mlp.c_fc(self.ln_2(x))))


class RefCLIPVision(nn.Module):
    """Image tower; ``forward`` returns the patch tokens after ``ln_post``
    (CLS dropped), projected with ``project=True``."""

    def __init__(self, image_size=64, patch=16, width=64, layers=2, heads=2,
                 output_dim=32):
        super().__init__()
        grid = image_size // patch
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positional_embedding = nn.Parameter(
            torch.empty(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.ModuleList(
            RefBlock(width, heads) for _ in range(layers))
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.empty(width, output_dim))

    def forward(self, images, project=False):
        x = self.conv1(images).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x)
        for block in self.transformer.resblocks:
            x = block(x)
        tokens = self.ln_post(x)[:, 1:]
        return tokens @ self.proj if project else tokens


def make_reference(seed=0, **kwargs):
    """A tower with random weights of realistic spread (LayerNorm gains and
    biases too, so that every parameter matters)."""
    torch.manual_seed(seed)
    model = RefCLIPVision(**kwargs)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith('.weight') and param.ndim == 1:  # LayerNorms
                param.copy_(1 + 0.2 * torch.randn_like(param))
            else:
                param.copy_(0.3 * torch.randn_like(param) /
                            max(param.shape[-1], 1)**0.25)
    return model.eval()


def text_tower(width=32, layers=1, context=8, vocab=64, embed=32):
    """An OpenAI-layout text tower's tensors (random): what full CLIP files
    hold beside ``visual.*``."""
    state = {'positional_embedding': torch.randn(context, width),
             'token_embedding.weight': torch.randn(vocab, width),
             'ln_final.weight': torch.ones(width),
             'ln_final.bias': torch.zeros(width),
             'text_projection': torch.randn(width, embed),
             'logit_scale': torch.tensor(4.6)}
    for i in range(layers):
        block = f'transformer.resblocks.{i}.'
        state.update({
            block + 'attn.in_proj_weight': torch.randn(3 * width, width),
            block + 'attn.in_proj_bias': torch.randn(3 * width),
            block + 'attn.out_proj.weight': torch.randn(width, width),
            block + 'attn.out_proj.bias': torch.randn(width),
            block + 'ln_1.weight': torch.ones(width),
            block + 'ln_1.bias': torch.zeros(width),
            block + 'mlp.c_fc.weight': torch.randn(4 * width, width),
            block + 'mlp.c_fc.bias': torch.randn(4 * width),
            block + 'mlp.c_proj.weight': torch.randn(width, 4 * width),
            block + 'mlp.c_proj.bias': torch.randn(width),
            block + 'ln_2.weight': torch.ones(width),
            block + 'ln_2.bias': torch.zeros(width)})
    return state


class _FullCLIP(nn.Module):
    """What OpenAI's TorchScript archive holds: the image tower under
    ``visual``, the text tower's tensors, and three scalars."""

    def __init__(self, visual):
        super().__init__()
        self.visual = visual
        for key, value in text_tower().items():
            owner = self
            *path, leaf = key.split('.')
            for part in path:
                if not hasattr(owner, part):
                    owner.add_module(part, nn.Module())
                owner = getattr(owner, part)
            owner.register_parameter(leaf, nn.Parameter(value))
        for key, value in (('input_resolution', 64), ('context_length', 8),
                           ('vocab_size', 64)):
            self.register_buffer(key, torch.tensor(value))

    def forward(self, images):
        return self.visual(images)


def save_layouts(reference, folder):
    """The reference's weights in every layout; returns {name: path}."""
    from safetensors.torch import save_file
    os.makedirs(folder, exist_ok=True)
    tower = {k: v.detach().clone() for k, v in
             reference.state_dict().items()}
    no_proj = {k: v for k, v in tower.items() if k != 'proj'}
    full = dict({f'visual.{k}': v for k, v in tower.items()}, **text_tower())
    paths = {}

    def save(name, state, fmt='torch'):
        path = os.path.join(folder, name)
        if fmt == 'safetensors':
            save_file({k: v.contiguous() for k, v in state.items()}, path)
        else:
            torch.save(state, path)
        paths[name] = path

    save('open_clip_pytorch_model.bin', full)
    save('open_clip_full.pt', {'state_dict': full})
    save('open_clip_model.safetensors', full, 'safetensors')
    save('tower_visual.pt', {f'visual.{k}': v for k, v in tower.items()})
    save('tower_visual_no_proj.pt',
         {f'visual.{k}': v for k, v in no_proj.items()})
    save('ViT-B-16_authors.pt', tower)  # the authors' clip_weights layout
    save('tower_no_proj.pth', no_proj)
    archive = torch.jit.trace(_FullCLIP(reference).eval(),
                              torch.zeros(1, 3, 64, 64))
    paths['ViT-B-16.pt'] = os.path.join(folder, 'ViT-B-16.pt')
    archive.save(paths['ViT-B-16.pt'])
    return paths


def write_open_clip_config(folder, quick_gelu):
    """The ``open_clip_config.json`` that open_clip's hub folders carry."""
    model_cfg = dict(embed_dim=32, vision_cfg=dict(image_size=64,
                                                   patch_size=16, width=64,
                                                   layers=2))
    if quick_gelu:
        model_cfg['quick_gelu'] = True
    with open(os.path.join(folder, 'open_clip_config.json'), 'w') as file:
        json.dump(dict(model_cfg=model_cfg), file)
