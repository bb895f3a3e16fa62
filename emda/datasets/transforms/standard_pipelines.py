"""The standard EM pipelines as single registered transforms, so configs
name them in one line (``dict(type='EMTrainPipeline', kind='points',
crop_size=(256, 256), scale=0.5)``) instead of repeating the sequence."""
from mmcv.transforms import BaseTransform, Compose

from emda.registry import TRANSFORMS
from ..pipelines import em_test_pipeline, em_train_pipeline


class _BuiltPipeline(BaseTransform):
    """Runs a list of transform configs built with emda's registry."""

    def __init__(self, steps):
        self.steps = steps
        self.compose = Compose([TRANSFORMS.build(s) for s in steps])

    def transform(self, results: dict) -> dict:
        return self.compose(results)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.compose})'


@TRANSFORMS.register_module()
class EMTrainPipeline(_BuiltPipeline):
    """``em_train_pipeline(**kwargs)`` as one transform (see
    ``emda.datasets.pipelines``)."""

    def __init__(self, **kwargs):
        super().__init__(em_train_pipeline(**kwargs))


@TRANSFORMS.register_module()
class EMTestPipeline(_BuiltPipeline):
    """``em_test_pipeline(**kwargs)`` as one transform."""

    def __init__(self, **kwargs):
        super().__init__(em_test_pipeline(**kwargs))
