"""The on-disk pseudo-label store and the transforms that read it back
through augmentation (LoadPseudoLabels, centers from the pseudo-label)."""
import numpy as np
import pytest
from mmengine.dataset import Compose

from emda.datasets import MultiDomainDataset
from emda.datasets.pseudo_label_store import PseudoLabelStore
from emda.registry import TRANSFORMS


def slice_maps(shape=(40, 48)):
    label = np.full(shape, 255, np.uint8)
    label[5:15, 5:15] = 1
    label[30:, :] = 0
    det_bg = np.zeros(shape, np.uint8)
    det_bg[30:, :] = 255
    point_inst = np.zeros(shape, np.uint8)
    point_inst[5:15, 5:15] = 255
    return dict(label=label, det_background=det_bg, point_instances=point_inst)


def test_store_round_trip(tmp_path):
    store = PseudoLabelStore(str(tmp_path / 'pl'))
    store.write('round_01', 'z000.png', slice_maps())
    assert not store.is_complete('round_01')
    store.mark_complete('round_01')
    assert store.is_complete('round_01')
    maps = store.read('round_01', 'z000.png')
    assert np.array_equal(maps['label'], slice_maps()['label'])
    assert maps['det_background'].dtype == bool
    assert maps['det_background'][35].all(
    ) and not maps['det_background'][0].any()
    assert maps['point_instances'][10, 10]
    with pytest.raises(FileNotFoundError, match='round_02'):
        store.read('round_02', 'z000.png')


def results(shape=(40, 48)):
    return dict(
        name='z000.png',
        img=np.zeros(shape, np.float32),
        img_shape=shape,
        ori_shape=shape,
        seg_fields=[])


def test_load_pseudo_labels_before_the_first_round_ignores_everything():
    out = TRANSFORMS.build(dict(type='LoadPseudoLabels'))(results())
    assert (out['gt_pseudo_seg'] == 255).all()
    assert not out['gt_det_background'].any()
    assert not out['gt_point_instances'].any()


def test_pseudo_maps_move_with_the_image_and_give_the_centers(tmp_path):
    store = PseudoLabelStore(str(tmp_path))
    store.write('round_01', 'z000.png', slice_maps())
    load = TRANSFORMS.build(
        dict(type='LoadPseudoLabels', round_dir=store.round_dir('round_01')))
    flip = TRANSFORMS.build(
        dict(type='RandomFlip', prob=1., direction='horizontal'))
    centers = TRANSFORMS.build(
        dict(type='GenerateCenterHeatmap', source='pseudo', kernel_size=11))
    out = centers(flip(load(results())))
    assert out['gt_pseudo_seg'][10, 47 - 10] == 1  # mirrored
    assert out['gt_pseudo_seg'][10, 10] == 255
    assert out['gt_point_instances'][10, 47 - 10] == 1
    assert out['gt_det_background'][35].all()
    # one pseudo instance: its centroid after the flip, peak 255 there
    assert np.allclose(out['gt_points'], [[9.5, 47 - 9.5]])
    y, x = np.unravel_index(out['gt_heatmap'].argmax(), (40, 48))
    assert out['gt_heatmap'].max() == pytest.approx(255., rel=0.02)
    assert abs(y - 9.5) <= 1 and abs(x - 37.5) <= 1


def test_load_pseudo_labels_rejects_a_resized_image(tmp_path):
    r = results()
    r['img_shape'] = (20, 24)
    with pytest.raises(ValueError, match='before any resizing'):
        TRANSFORMS.build(dict(type='LoadPseudoLabels'))(r)


def test_pseudo_pipeline_heatmap_source():
    from emda.datasets.pipelines import pseudo_train_pipeline
    steps = [s['type'] for s in pseudo_train_pipeline()]
    assert 'LoadPseudoLabels' in steps and 'LoadPointAnnotations' not in steps
    assert [
        s for s in pseudo_train_pipeline()
        if s['type'] == 'GenerateCenterHeatmap'
    ][0]['source'] == 'pseudo'
    steps = pseudo_train_pipeline(with_points=True)
    assert 'LoadPointAnnotations' in [s['type'] for s in steps]
    assert [s for s in steps
            if s['type'] == 'GenerateCenterHeatmap'][0]['source'] == 'points'


class PseudoOnly:
    """A one-slice dataset whose pipeline reads the pseudo-labels."""
    metainfo = dict(classes=('background', 'mitochondria'))

    def __init__(self):
        self.pipeline = Compose([dict(type='LoadPseudoLabels')])

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.pipeline(results())


def test_the_dataset_call_switches_every_pseudo_label_reader(tmp_path):
    """``MultiDomainDataset.set_pseudo_label_dir`` is how a round reaches
    the pipelines: it reaches every ``LoadPseudoLabels`` and the next
    sample reads that round."""
    store = PseudoLabelStore(str(tmp_path))
    for name, value in (('round_01', 1), ('round_02', 0)):
        maps = slice_maps()
        maps['label'][:] = value
        store.write(name, 'z000.png', maps)
    dataset = MultiDomainDataset(source=PseudoOnly(), target=PseudoOnly())
    assert (dataset[0]['target']['gt_pseudo_seg'] == 255).all()
    assert dataset.set_pseudo_label_dir(store.round_dir('round_01')) == 2
    assert (dataset[0]['source']['gt_pseudo_seg'] == 1).all()
    assert (dataset[0]['target']['gt_pseudo_seg'] == 1).all()
    dataset.set_pseudo_label_dir(store.round_dir('round_02'))
    assert (dataset[0]['target']['gt_pseudo_seg'] == 0).all()
