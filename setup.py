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
    # the configs travel inside the package (smile_mm/.mim/configs links
    # to configs/), where mmengine looks for 'smile_mm::path' names and
    # smile_mm.apis and tools/severe.py find theirs after pip install
    package_data={'smile_mm': ['.mim/model-index.yml',
                               '.mim/configs/**/*.py']},
    install_requires=[
        # Ranges, not pins: smile_mm installs into OpenTAD's environment
        # (torch 2.0.1, numpy 1.23.5, mmaction2 1.1.0, mmcv 2.0.1) without
        # replacing anything there. torch 2.14.1 is the newest release
        # checked here; torchvision, which smile_mm does not import, comes
        # with timm and open_clip_torch in the release that matches torch.
        'torch>=2.0,<=2.14.1',
        'mmengine>=0.10.4,<0.11',
        # mmcv is not listed: full mmcv (OpenTAD's, built from source) or
        # mmcv-lite both serve, and pip cannot express "either". smile_mm
        # checks at import that one of them, >=2.0.0,<2.2.0, is there;
        # `pip install smile_mm[mmcv-lite]` adds mmcv-lite.
        # mmpretrain is not listed: nothing smile_mm runs imports it (mmaction2
        # imports it only for MobileOneTSM and 'mmpretrain.' backbones, which
        # no smile_mm config uses, and skips them without it).
        'mmaction2>=1.1.0,<1.3',
        # mmaction2's utils/dependency.py imports importlib_metadata without
        # declaring it (mmpretrain used to bring it along)
        'importlib_metadata>=4.0',
        # PixelTarget's patchify (also a dependency of mmaction2)
        'einops>=0.6',
        'decord>=0.6.0',
        # tools/prepare_videos.py: FFmpeg with libx264 in the wheel
        'av>=12',
        'tqdm>=4.60',
        'open_clip_torch>=2.20',
        # timm: VideoRandAugment's RandAugment and TimmTeacher's encoders;
        # safetensors: CLIP weight files in that format (both also come
        # with open_clip_torch)
        'timm>=0.9',
        'safetensors>=0.3',
        # confusion matrices of tools/probe_features.py
        'matplotlib>=3.5',
        'numpy>=1.23.5',
        'scipy>=1.10',
        'opencv-python>=4.7',
        'Pillow>=9.0',
        'pycocotools>=2.0.6',
        # mmengine imports pkg_resources (its package utilities),
        # which setuptools 81 removed.
        'setuptools<81',
    ],
    extras_require={
        'mmcv-lite': ['mmcv-lite>=2.0.0,<2.2.0'],
        # transformers: its CLIP models are the reference of the tests that
        # read transformers-layout CLIP files; pandas: OpenTAD's evaluator,
        # which tests/protocols/test_opentad_real.py runs; scikit-learn:
        # the reference of the k-NN and linear-probe tests
        'test': ['pytest>=7', 'pytest-timeout>=2.1', 'transformers>=4.30',
                 'pandas', 'scikit-learn'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
