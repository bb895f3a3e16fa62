from .base_selector import BaseSelector
from .entropy_selector import EntropySelector
from .instance_aware_selector import InstanceAwareSelector
from .selection_result import IGNORE_INDEX, SelectionResult
from .threshold_selector import ThresholdSelector

__all__ = [
    'BaseSelector', 'SelectionResult', 'IGNORE_INDEX', 'InstanceAwareSelector',
    'ThresholdSelector', 'EntropySelector'
]
