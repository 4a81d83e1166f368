"""Installation script of smile_mm, the SMILE plugin for MMAction2."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_version() -> str:
    namespace: dict = {}
    exec((HERE / 'smile_mm' / 'version.py').read_text(), namespace)
    return namespace['__version__']


setup(
    name='smile_mm',
    version=read_version(),
    description='SMILE (CVPR 2025) masked video pretraining with synthetic '
    'motion and CLIP targets, as an MMAction2 plugin',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['smile_mm', 'smile_mm.*']),
    install_requires=[
        # torch 2.14.1 / torchvision 0.29.1 are the newest releases the
        # OpenMMLab 2.x stack has been checked against here.
        'torch>=2.1,<=2.14.1',
        'torchvision>=0.16,<=0.29.1',
        'mmengine>=0.10.4,<0.11',
        # mmaction2 1.2.0 refuses mmcv>=2.2; full mmcv has no wheels, and
        # nothing SMILE needs uses mmcv.ops.
        'mmcv-lite==2.1.0',
        'mmaction2==1.2.0',
        'mmpretrain>=1.2.0,<1.3',
        'decord>=0.6.0',
        'open_clip_torch>=2.20',
        'numpy>=1.24',
        'scipy>=1.10',
        'opencv-python>=4.7',
        'Pillow>=9.0',
        'pycocotools>=2.0.6',
        # mmengine's `mmaction::` config inheritance imports pkg_resources,
        # which setuptools 81 removed.
        'setuptools<81',
    ],
    extras_require={
        # transformers: its CLIP models are the reference of the tests that
        # read transformers-layout CLIP files
        'test': ['pytest>=7', 'pytest-timeout>=2.1', 'transformers>=4.30'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
