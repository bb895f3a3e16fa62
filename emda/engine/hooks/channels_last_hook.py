"""Put the model's 4-D parameters in channels_last memory format."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from emda.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Before training or testing, convert the model to
    ``torch.channels_last``.

    oneDNN's CPU convolutions (float32 and, more so, bfloat16) run in NHWC
    layout: with NCHW weights every convolution reorders its operands, with
    channels_last weights the activations follow the weights' layout through
    the network (``tools/benchmarks/bf16_throughput.py`` measures it). Only
    the layout changes: values, ``state_dict`` keys and checkpoints are the
    same, so runs resume across the option. ``tools/train.py --amp`` and
    ``tools/test.py --amp`` add this hook on CPU. Runs at ``VERY_HIGH`` priority, before hooks that copy
    the weights.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)

    @staticmethod
    def _convert(runner) -> None:
        model = runner.model
        model = model.module if is_model_wrapper(model) else model
        model.to(memory_format=torch.channels_last)
        runner.logger.info('model parameters converted to channels_last')
