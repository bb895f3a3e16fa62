"""MinEnt: the loss is the source CE + lambda_ent x the normalised target
entropy, with no discriminator; it trains through the stock train_step."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS


def fixed_batch(size=16, batch=2):
    """Seeded source (with labels) and target batches."""
    gen = torch.Generator().manual_seed(1)
    inputs = {
        d: torch.randn(batch, 1, size, size, generator=gen)
        for d in ('source', 'target')
    }
    meta = dict(img_shape=(size, size), ori_shape=(size, size))
    samples = {'source': [], 'target': []}
    for _ in range(batch):
        labelled = SegDataSample(metainfo=meta)
        labelled.gt_sem_seg = PixelData(
            data=torch.randint(0, 2, (1, size, size), generator=gen))
        samples['source'].append(labelled)
        samples['target'].append(SegDataSample(metainfo=meta))
    return inputs, samples


def build(parts, **kwargs):
    segmentor, preprocessor = parts
    return MODELS.build(
        dict(
            type='MinEnt',
            segmentor=segmentor,
            data_preprocessor=preprocessor,
            **kwargs))


def test_loss_is_source_ce_plus_weighted_target_entropy(tiny_model_parts):
    model = build(tiny_model_parts, lambda_ent=0.25).eval()
    inputs, samples = fixed_batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {
        'src.decode.loss_ce', 'src.decode.acc_seg', 'tgt.loss_ent'
    }

    labels = torch.cat([s.gt_sem_seg.data for s in samples['source']])
    ce = F.cross_entropy(
        model.segmentor(inputs['source'], mode='tensor'), labels)
    prob = model.segmentor(inputs['target'], mode='tensor').softmax(dim=1)
    entropy = -(prob * prob.log()).sum(dim=1).mean() / math.log(2)
    assert torch.allclose(losses['src.decode.loss_ce'], ce, atol=1e-6)
    assert torch.allclose(losses['tgt.loss_ent'], 0.25 * entropy, atol=1e-6)
    total, _ = model.parse_losses(losses)
    assert torch.allclose(total, ce + 0.25 * entropy, atol=1e-6)


def test_no_discriminator_and_one_optimizer(tiny_model_parts):
    model = build(tiny_model_parts)
    assert not hasattr(model, 'discriminator')
    assert all(
        name.startswith('segmentor.') for name, _ in model.named_parameters())
    single = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match='single'):
        model.train_step({}, OptimWrapperDict(segmentor=single))


def test_needs_a_target_batch(tiny_model_parts):
    inputs, samples = fixed_batch()
    del inputs['target']
    with pytest.raises(KeyError, match='needs a "target" batch'):
        build(tiny_model_parts).loss(inputs, samples)
