"""Embedded synthetic two-domain EM benchmark (see ``em_generator``)."""
from .domain_params import (DEFAULT_DOMAINS, PRESETS, SOURCE, TARGET,
                            TARGET_HARD, EMDomainParams)
from .em_generator import generate_slice
from .montage import save_montage
from .synthetic_pair import (ensure_synthetic_data, read_manifest,
                             write_synthetic_pair)

__all__ = [
    'EMDomainParams', 'SOURCE', 'TARGET', 'TARGET_HARD', 'DEFAULT_DOMAINS',
    'PRESETS', 'generate_slice', 'write_synthetic_pair',
    'ensure_synthetic_data', 'read_manifest', 'save_montage'
]
