from .self_training_loop import SelfTrainingLoop, check_rounds, schedule_iters

__all__ = ['SelfTrainingLoop', 'check_rounds', 'schedule_iters']
