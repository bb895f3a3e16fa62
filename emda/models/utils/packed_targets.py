"""Checks on the detection targets the pipeline packed
(``GenerateCenterHeatmap``): the models read them instead of rendering."""
from typing import Optional, Sequence


def check_target_kernels(samples: Sequence,
                         heatmap_kernel: Optional[int] = None,
                         center_kernel: Optional[int] = None) -> None:
    """Raise if a sample's packed ``gt_heatmap`` / ``gt_center_weight`` was
    rendered with another kernel than the model's (metainfo
    ``heatmap_kernel`` / ``center_kernel``; samples without it pass)."""
    expected = dict(heatmap_kernel=heatmap_kernel, center_kernel=center_kernel)
    for sample in samples:
        for name, want in expected.items():
            got = sample.metainfo.get(name)
            if want is not None and got is not None and int(got) != int(want):
                raise ValueError(
                    f'{sample.metainfo.get("img_path", "a sample")}: the '
                    f'pipeline rendered its targets with {name}={got}, the '
                    f'model expects {want}: set GenerateCenterHeatmap('
                    f'{"kernel_size" if name == "heatmap_kernel" else name}'
                    f'={want}) or the model\'s {name}')
