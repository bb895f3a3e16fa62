from .multi_task_encoder_decoder import TASK_OUTPUTS, MultiTaskEncoderDecoder

__all__ = ['MultiTaskEncoderDecoder', 'TASK_OUTPUTS']
