"""The up-front check of a dataset's files: one pass over every slice when
the dataset is built, so that a bad file stops a run before its first
iteration (not when the slice is first sampled, hours later), with every
problem listed at once.

Checked per slice: the image is readable, 2D and grayscale (or the
dataset converts colour); the label (if any) is readable, binary ({0, 1}
or {0, 255}) and the image's shape; every point lies inside the image.
"""
from typing import List

from tqdm import tqdm

from .em_io import binarize_label, read_slice
from .point_annotations import check_points_in_image

#: problems listed in full before the rest are counted
MAX_LISTED = 30


class DataCheckError(ValueError):
    """Some slices of a dataset are unusable; the message lists them."""


def _slice_problems(info: dict) -> List[str]:
    problems = []
    where = info['img_path'] if info.get('img_index') is None \
        else f'{info["img_path"]} slice {info["img_index"]}'
    try:
        img = read_slice(info['img_path'], info.get('img_index'),
                         info.get('color', 'gray'))
    except (OSError, ValueError, KeyError, IndexError) as e:
        # a stack's messages name the file, not the slice
        index = info.get('img_index')
        return [str(e) if index is None else f'slice {index} of {e}']
    if 'seg_map_path' in info:
        path = info['seg_map_path']
        try:
            label = read_slice(path, info.get('seg_index'))
            binarize_label(label, path)
            if label.shape != img.shape:
                problems.append(f'label {path} has shape {label.shape} but '
                                f'its image {where} has shape {img.shape}')
        except (OSError, ValueError, KeyError, IndexError) as e:
            problems.append(str(e))
    if len(info.get('points', ())):
        try:
            check_points_in_image(info['points'], img.shape, info['name'],
                                  info.get('points_file'))
        except ValueError as e:
            problems.append(str(e))
    return problems


def check_slices(data_list: List[dict], source: str) -> None:
    """Read every slice of ``data_list`` (``EMSliceDataset`` infos) and
    raise :class:`DataCheckError` listing all problems, naming files."""
    from mmengine.dist import is_main_process
    problems: List[str] = []
    for info in tqdm(
            data_list,
            desc=f'checking {source}',
            leave=False,
            disable=None if is_main_process() else True):
        problems += _slice_problems(info)
    if not problems:
        return
    listed = '\n'.join(f'  - {p}' for p in problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    if more > 0:
        listed += f'\n  ... and {more} more'
    raise DataCheckError(
        f'{len(problems)} problem(s) in the {len(data_list)} slices of '
        f'{source}:\n{listed}\n(fix or remove these files; the checks are '
        'listed in docs/user_guides/datasets.md)')
