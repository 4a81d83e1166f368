import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample

from smile_mm.models import RepetitionCountHead


def samples(counts):
    out = []
    for count in counts:
        sample = ActionDataSample()
        sample.set_field(count, 'count')
        out.append(sample)
    return out


def test_loss_is_the_relative_error_of_softplus_counts():
    head = RepetitionCountHead(4)
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
        head.fc.bias.zero_()
    feats = torch.tensor([[2.0, 0, 0, 0], [-1.0, 0, 0, 0]])
    loss = head.loss(feats, samples([4.0, 2.0]))['loss_count']
    pred = F.softplus(torch.tensor([2.0, -1.0]))
    expected = ((pred[0] - 4).abs() / 4 + (pred[1] - 2).abs() / 2) / 2
    torch.testing.assert_close(loss, expected)


def test_default_and_configured_initialisation():
    torch.manual_seed(0)
    head = RepetitionCountHead(4096)
    head.init_weights()
    assert head.fc.weight.std().item() == pytest.approx(0.02, rel=0.05)
    assert head.fc.weight.abs().max() <= 2 and not head.fc.bias.any()
    head = RepetitionCountHead(
        8, init_cfg=dict(type='Constant', layer='Linear', val=0.5, bias=1))
    head.init_weights()
    assert (head.fc.weight == 0.5).all() and (head.fc.bias == 1).all()


def test_predict_averages_views():
    head = RepetitionCountHead(1)
    with torch.no_grad():
        head.fc.weight.fill_(1.0)
        head.fc.bias.zero_()
    feats = torch.tensor([[1.0], [3.0], [5.0], [7.0]])  # 2 videos x 2 views
    out = head.predict(feats, samples([1.0, 1.0]))
    expected = F.softplus(feats.squeeze(1)).view(2, 2).mean(1)
    torch.testing.assert_close(torch.stack([s.pred_count for s in out]),
                               expected)


def test_missing_counts_are_an_error():
    with pytest.raises(ValueError, match='RepetitionCountDataset'):
        RepetitionCountHead(2).loss(torch.zeros(1, 2),
                                    [ActionDataSample()])
