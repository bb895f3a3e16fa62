"""compare's label-free column (``emda.benchmarking.collect``): the oracle
Dice at the validation whose label-free score peaked (earliest on ties),
across resumed log folders (one ``vis_data/scalars.json`` each)."""
import json
import os

from emda.benchmarking import collect


def write_scalars(run_dir, stamp, rows):
    folder = os.path.join(run_dir, stamp, 'vis_data')
    os.makedirs(folder)
    with open(os.path.join(folder, 'scalars.json'), 'w') as f:
        for row in rows:
            f.write(json.dumps(row) + '\n')


def test_label_free_selected_dice(tmp_path):
    run_dir = str(tmp_path)
    assert collect.label_free_selected_dice(run_dir) is None
    key = 'label_free/score'
    write_scalars(run_dir, '20240101_000000', [
        dict(loss=0.3, step=10),
        {
            'Dice': 0.9,
            key: 0.4,
            'step': 200
        },
        {
            'Dice': 0.6,
            key: 0.7,
            'step': 400
        },
    ])
    # a tie after a resume: the earlier validation stays selected
    write_scalars(run_dir, '20240102_000000', [{
        'Dice': 0.8,
        key: 0.7,
        'step': 600
    }])
    assert collect.label_free_selected_dice(run_dir) == 0.6


def test_unscored_run_falls_back_to_its_last_validation(tmp_path):
    """A run with no label-free score gives its final validation only when
    it chose no weights by target labels; a round hook that restarts from
    the best labeled checkpoint leaves it without a label-free number."""
    run_dir = str(tmp_path)
    write_scalars(run_dir, '20240101_000000', [{
        'Dice': 0.9,
        'step': 200
    }, {
        'Dice': 0.5,
        'step': 400
    }])
    assert collect.label_free_selected_dice(run_dir) is None
    assert collect.label_free_selected_dice(
        run_dir, last_if_unscored=True) == 0.5
    from mmengine import Config
    labeled = Config(dict(custom_hooks=[dict(type='SelfTrainingRoundHook')]))
    current = Config(
        dict(custom_hooks=[
            dict(type='SelfTrainingRoundHook', init_from='current')
        ]))
    proxy = Config(
        dict(custom_hooks=[
            dict(type='SelfTrainingRoundHook', select_by='label_free/score')
        ]))
    assert collect.selects_with_target_labels(labeled)
    assert not collect.selects_with_target_labels(current)
    assert not collect.selects_with_target_labels(proxy)
    assert not collect.selects_with_target_labels(Config(dict()))
