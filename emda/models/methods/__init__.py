from .adapt_seg_net import AdaptSegNet
from .advent import ADVENT
from .base_da_model import BaseDAModel
from .ipl_cfcl import IPLCFCL
from .mean_teacher import MeanTeacher
from .min_ent import MinEnt
from .output_adversarial_da import OutputAdversarialDA
from .point_only import PointOnly
from .source_only import SourceOnly
from .staged_da_model import StagedDAModel
from .supervised import Supervised
from .wda_net import WDANet

__all__ = ['BaseDAModel', 'SourceOnly', 'Supervised']
__all__ += ['AdaptSegNet', 'ADVENT', 'MinEnt', 'OutputAdversarialDA']
__all__ += ['IPLCFCL', 'StagedDAModel']
__all__ += ['MeanTeacher', 'PointOnly']
__all__ += ['WDANet']
