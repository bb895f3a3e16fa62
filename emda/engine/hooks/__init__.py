from .channels_last_hook import ChannelsLastHook
from .ema_teacher_hook import EMATeacherHook
from .save_predictions_hook import SavePredictionsHook
from .self_training_round_hook import SelfTrainingRoundHook

__all__ = ['SavePredictionsHook', 'SelfTrainingRoundHook']
__all__ += ['EMATeacherHook', 'ChannelsLastHook']
