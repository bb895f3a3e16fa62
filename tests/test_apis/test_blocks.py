"""Block-by-block volumes: halo correctness, dask workers, resume."""
import json
import os.path as osp

import numpy as np
import pytest
import zarr

from emda.apis import init_model, predict_slice, segment_volume
from emda.apis.store import PredictionStore


def zarr_input(root, vol):
    path = osp.join(root, 'in.zarr')
    zarr.open_group(
        path, mode='w', zarr_format=2).create_array(
            '0', data=vol, chunks=(1, 32, 32))
    return path + '/0'


def stored(out):
    root = zarr.open_group(osp.join(out, 'predictions.ome.zarr'), mode='r')
    return {k: np.asarray(root[k]) for k in ('0', 'labels/instances/0')}


def run(ckpt, spec, out, **kw):
    kw.setdefault('block', (1, 32, 32))
    return segment_volume(*ckpt, spec, out, fmt='zarr', progress=False, **kw)


def test_blocks_match_whole_slices_and_dask_matches_one_process(
        tmp_path, tiny_ckpt, make_volume):
    from distributed import Client, LocalCluster
    vol = make_volume(2, (70, 90))
    spec = zarr_input(str(tmp_path), vol)
    # tiles hold a whole slice: what differs below is the blocking alone
    one = run(tiny_ckpt, spec, str(tmp_path / 'one'), tile=(64, 64))
    assert one['blocks'] == 2 * 3 * 3 and one['computed_blocks'] == 18
    prob = stored(str(tmp_path / 'one'))['0'].astype(np.float32) / 255
    # the halo covers the receptive field: blocks agree with the whole slice
    model = init_model(*tiny_ckpt, tile=(64, 64))
    whole = predict_slice(model, vol[1])['prob_fg']
    assert np.abs(prob[1] - whole).max() < 0.01
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                      dashboard_address=None) as cluster, \
            Client(cluster) as client:
        two = run(
            tiny_ckpt,
            spec,
            str(tmp_path / 'two'),
            tile=(64, 64),
            scheduler=client)
    a, b = stored(str(tmp_path / 'one')), stored(str(tmp_path / 'two'))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert two['instances'] == one['instances']


class Killed(Exception):
    pass


def test_killed_run_resumes_to_the_same_result(tmp_path, tiny_ckpt,
                                               make_volume):
    vol = make_volume(2, (64, 64))
    spec = zarr_input(str(tmp_path), vol)
    ref = run(tiny_ckpt, spec, str(tmp_path / 'ref'))
    out = str(tmp_path / 'out')
    first = []

    def kill_after_3(job, record):
        first.append(job.index)
        if len(first) == 3:
            raise Killed

    with pytest.raises(Killed):
        run(tiny_ckpt, spec, out, on_block=kill_after_3)
    store = PredictionStore(out, osp.join(out, 'predictions.ome.zarr'))
    assert not store.is_done() and not osp.exists(
        osp.join(out, 'summary.json'))
    assert sorted(store.finished()) == sorted(
        PredictionStore.block_id(i) for i in first)
    with pytest.raises(Exception, match='not empty.*--resume'):
        run(tiny_ckpt, spec, out)  # refuses to clobber a partial run
    again = []
    done = run(
        tiny_ckpt,
        spec,
        out,
        resume=True,
        on_block=lambda job, rec: again.append(job.index))
    assert not set(first) & set(again)  # finished blocks not recomputed
    assert len(first) + len(again) == ref['blocks'] == done['blocks']
    assert store.is_done()
    a, b = stored(str(tmp_path / 'ref')), stored(out)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    with open(osp.join(out, 'summary.json')) as f:
        assert json.load(f)['instances'] == ref['instances']
