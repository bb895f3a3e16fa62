"""What staged methods (IPL-CFCL, WDA-Net) share: per-stage loss weights
and the stage index (their packed targets: ``emda.models.utils``)."""
from typing import Dict, Mapping, Sequence

#: stage index -> name of its loss-weight set (0 = source pretraining)
STAGE_NAMES = {0: 'pretrain', 1: 'stage1', 2: 'stage2'}


def merge_stage_weights(
        defaults: Mapping[str, Mapping[str, float]],
        overrides: Mapping[str, Mapping[str, float]],
        allowed: Mapping[str, Sequence[str]]) -> Dict[str, Dict[str, float]]:
    """``defaults`` updated by ``overrides`` (stage name -> term -> weight),
    rejecting unknown stages and terms a stage does not allow."""
    weights = {k: dict(v) for k, v in defaults.items()}
    for stage, terms in overrides.items():
        if stage not in weights:
            raise ValueError(f'loss_weights: unknown stage {stage!r}; '
                             f'expected {list(weights)}')
        unknown = set(terms) - set(allowed[stage])
        if unknown:
            raise ValueError(f'loss_weights.{stage}: unknown terms '
                             f'{unknown}; expected {tuple(allowed[stage])}')
        weights[stage].update({k: float(v) for k, v in terms.items()})
    return weights


def check_stage(stage: int) -> int:
    """``stage`` if it is a known stage index, else a ValueError."""
    if stage not in STAGE_NAMES:
        raise ValueError(f'stage must be one of {list(STAGE_NAMES)}, '
                         f'got {stage}')
    return stage
