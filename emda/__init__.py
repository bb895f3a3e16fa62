"""emda: domain-adaptive mitochondria segmentation in EM on MMEngine/MMSeg."""
from .version import __version__
from .utils.env_check import check_dependencies

check_dependencies()

__all__ = ['__version__']
