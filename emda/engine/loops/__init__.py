from .self_training_loop import SelfTrainingLoop, check_rounds

__all__ = ['SelfTrainingLoop', 'check_rounds']
