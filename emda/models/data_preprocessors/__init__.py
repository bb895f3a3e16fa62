from .multi_domain_data_preprocessor import MultiDomainDataPreProcessor

__all__ = ['MultiDomainDataPreProcessor']
