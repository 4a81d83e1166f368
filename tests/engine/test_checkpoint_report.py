"""What a checkpoint's load leaves out, starts fresh and lacks, counted on
state-dict shapes written out by hand."""
from smile_mm.engine.checkpoint_report import (compare_state, load_summary,
                                               matters)

ENCODER = {'backbone.patch_embed.projection.weight': (8, 3, 2, 16, 16),
           'backbone.blocks.0.attn.qkv.weight': (24, 8),
           'backbone.blocks.0.attn.proj.weight': (8, 8),
           'backbone.pos_embed': (1, 16, 8)}
PRETRAINED = dict(ENCODER, **{'backbone.norm.weight': (8, ),
                              'neck.decoder_embed.weight': (4, 8),
                              'neck.blocks.0.fc.weight': (4, 4)})
RECOGNIZER = dict(ENCODER, **{'backbone.fc_norm.weight': (8, ),
                              'cls_head.fc_cls.weight': (3, 8),
                              'cls_head.fc_cls.bias': (3, )})


def test_a_pretraining_checkpoint_into_a_recognizer():
    report = compare_state(RECOGNIZER, PRETRAINED)
    assert (report.loaded, report.total) == (4, 7)
    assert report.left_out == {'backbone.norm': 1, 'neck': 2}
    assert report.new == {'backbone.fc_norm': 1, 'cls_head': 2}
    assert not matters(report)
    assert load_summary(report, 'a.pth') == (
        "Loaded a.pth: 4 of the model's 7 tensors; left out, parts this "
        'model does not have: backbone.norm (1), neck (2); new, initialised '
        'here: backbone.fc_norm (1), cls_head (2); nothing else differs')


def test_a_layer_missing_inside_a_block_matters():
    checkpoint = dict(PRETRAINED)
    del checkpoint['backbone.blocks.0.attn.qkv.weight']
    report = compare_state(RECOGNIZER, checkpoint)
    assert report.missing == ['backbone.blocks.0.attn.qkv.weight']
    assert matters(report) == ('1 missing (backbone.blocks.0.attn.qkv.weight)')


def test_another_shape_matters_unless_the_model_adapts_it():
    checkpoint = dict(PRETRAINED, **{'backbone.pos_embed': (1, 64, 8),
                                     'backbone.blocks.0.attn.proj.weight':
                                     (8, 4)})
    report = compare_state(RECOGNIZER, checkpoint)
    assert [m[0] for m in report.mismatched] == [
        'backbone.blocks.0.attn.proj.weight', 'backbone.pos_embed']
    adapted = compare_state(RECOGNIZER, checkpoint, {'backbone.pos_embed'})
    assert adapted.adapted == ['backbone.pos_embed']
    assert matters(adapted) == (
        '1 of another shape (backbone.blocks.0.attn.proj.weight (8, 4) in the '
        'checkpoint, (8, 8) here)')
    assert adapted.loaded == 3
    # a table the checkpoint lacks is made by the model: not missing
    del checkpoint['backbone.pos_embed']
    filled = compare_state(RECOGNIZER, checkpoint, {'backbone.pos_embed'})
    assert filled.adapted == ['backbone.pos_embed'] and not filled.missing


def test_real_modules_declare_what_their_load_hooks_fill_in(caplog):
    """VideoMAE's checkpoints hold no decoder position table: the decoder
    makes its own, so nothing is missing; a wrong shape is a warning."""
    import logging

    import torch

    from smile_mm.engine.checkpoint_report import adapted_on_load, load_weights
    from smile_mm.models import MaskedVideoViT, VideoMAEDecoder
    model = torch.nn.Module()
    model.backbone = MaskedVideoViT('small', img_size=32, num_frames=4,
                                    embed_dims=32, depth=1, num_heads=2)
    model.neck = VideoMAEDecoder(32, num_tokens=8, out_channels=6,
                                 embed_dims=16, depth=1, num_heads=2)
    assert adapted_on_load(model) == {'backbone.pos_embed', 'neck.pos_embed'}
    state = {key: value for key, value in model.state_dict().items()
             if key != 'neck.pos_embed'}
    logger = logging.getLogger('load_test')
    with caplog.at_level(logging.INFO, logger='load_test'):
        _, report = load_weights(model, {'state_dict': state}, 'a.pth',
                                 logger)
    assert report.adapted == ['neck.pos_embed'] and not report.missing
    summary, = [r for r in caplog.records if r.getMessage().startswith(
        'Loaded a.pth')]
    assert summary.levelno == logging.INFO
    assert summary.getMessage().endswith('nothing else differs')
    state['neck.head.weight'] = torch.zeros(7, 16)  # another shape
    caplog.clear()
    with caplog.at_level(logging.INFO, logger='load_test'):
        load_weights(model, {'state_dict': state}, 'a.pth', logger)
    summary, = [r for r in caplog.records if r.getMessage().startswith(
        'Loaded a.pth')]
    assert summary.levelno == logging.WARNING
    assert 'neck.head.weight (7, 16) in the checkpoint, (6, 16) here' in \
        summary.getMessage()
