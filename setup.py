"""emda: domain-adaptive mitochondria segmentation for electron microscopy.

Install with ``make install`` (it installs the CPU torch build and mmcv with
ops first); ``pip install -e .`` alone expects them to be present.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'emda', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='emda',
    version=read_version(),
    description='Domain-adaptive mitochondria segmentation in electron '
    'microscopy on MMEngine / MMSegmentation',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['emda', 'emda.*']),
    python_requires='>=3.9',
    # torch and mmcv are deliberately not listed: a bare ``torch`` would pull
    # a multi-GB CUDA build and mmcv needs its compiled ops; the Makefile
    # installs both (docs/get_started.md).
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(tests=read_requirements('tests.txt')),
    entry_points=dict(console_scripts=[
        'emda-train=emda.tools.train:main',
        'emda-test=emda.tools.test:main',
        'emda-check-data=emda.tools.check_data:main',
        'emda-demo=emda.tools.demo:main',
        'emda-infer=emda.tools.infer:main',
        'emda-select-checkpoint=emda.tools.select_checkpoint:main',
        'emda-average-checkpoints=emda.tools.average_checkpoints:main',
    ]),
    license='Apache-2.0',
)
