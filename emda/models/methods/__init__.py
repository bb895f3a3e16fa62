from .base_da_model import BaseDAModel
from .source_only import SourceOnly
from .supervised import Supervised

__all__ = ['BaseDAModel', 'SourceOnly', 'Supervised']
