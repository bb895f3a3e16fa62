from .save_predictions_hook import SavePredictionsHook

__all__ = ['SavePredictionsHook']
