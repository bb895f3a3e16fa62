from .channels_last_hook import ChannelsLastHook
from .drop_stale_logs_hook import DropStaleLogsHook
from .ema_teacher_hook import EMATeacherHook
from .label_free_selection_hook import LabelFreeSelectionHook
from .save_predictions_hook import SavePredictionsHook
from .self_training_round_hook import SelfTrainingRoundHook
from .unwrapped_checkpoint_hook import UnwrappedCheckpointHook
from .weight_average_hook import WeightAverageHook

__all__ = ['SavePredictionsHook', 'SelfTrainingRoundHook']
__all__ += ['EMATeacherHook', 'ChannelsLastHook', 'LabelFreeSelectionHook']
__all__ += [
    'UnwrappedCheckpointHook', 'DropStaleLogsHook', 'WeightAverageHook'
]
