# mmaction2's runtime, with smile_mm registered through custom_imports so that
# mmaction2's own tools/train.py and `mim train mmaction` find its components.
_base_ = ['mmaction::_base_/default_runtime.py']

custom_imports = dict(imports=['smile_mm'], allow_failed_imports=False)
default_scope = 'mmaction'
