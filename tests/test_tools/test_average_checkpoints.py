"""tools/average_checkpoints.py: the mean of the kept iter_*.pth it names,
written where test.py and emda-infer load it."""
from collections import OrderedDict

import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from emda.tools.average_checkpoints import main


def _run_dir(tmp_path):
    for it, value in ((100, 1.), (200, 2.), (300, 4.), (400, 9.)):
        state = OrderedDict(w=torch.full((2, ), value), n=torch.tensor(it))
        save_checkpoint(
            dict(meta=dict(iter=it), state_dict=state),
            str(tmp_path / f'iter_{it}.pth'))
    (tmp_path / 'best_Dice_iter_100.pth').write_bytes(b'not averaged')
    return tmp_path


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_the_last_checkpoints_from_an_iteration_are_averaged(tmp_path):
    run = _run_dir(tmp_path)
    main([str(run), '--from-iter', '200', '--last', '2'])
    saved = _load(run / 'weight_average_300-400.pth')
    assert saved['meta']['averaged_iters'] == [300, 400]
    assert saved['state_dict']['w'].tolist() == [6.5, 6.5]
    assert saved['state_dict']['n'].item() == 400
    main([str(run), '--to-iter', '300', '--last', '2'])
    saved = _load(run / 'weight_average_200-300.pth')
    assert saved['state_dict']['w'].tolist() == [3., 3.]
    main([str(run), '--out', str(tmp_path / 'all.pth')])
    assert _load(tmp_path / 'all.pth')['state_dict']['w'].tolist() == [4., 4.]


def test_bad_requests_fail_before_writing(tmp_path):
    run = _run_dir(tmp_path)
    with pytest.raises(SystemExit, match='--last'):
        main([str(run), '--last', '0'])
    with pytest.raises(FileNotFoundError, match='from iteration 300 to 200'):
        main([str(run), '--from-iter', '300', '--to-iter', '200'])
    with pytest.raises(FileNotFoundError, match='from iteration 500'):
        main([str(run), '--from-iter', '500'])
    assert not list(run.glob('weight_average*'))


def test_a_checkpoint_of_another_network_is_named(tmp_path):
    run = _run_dir(tmp_path)
    save_checkpoint(
        dict(state_dict=OrderedDict(v=torch.ones(1))),
        str(run / 'iter_500.pth'))
    with pytest.raises(ValueError, match='iter_500.pth.*different keys'):
        main([str(run), '--from-iter', '400'])
    assert not list(run.glob('weight_average*'))
