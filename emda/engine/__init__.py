from .em_runner import EMRunner  # noqa: F401
from .hooks import *  # noqa: F401,F403
from .loops import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .pseudo_label_generator import PseudoLabelGenerator, predict_tasks  # noqa: F401
