"""Run one of OpenTAD's own scripts, unedited, on a CPU.

    python opentad_cpu.py OPENTAD_ROOT tools/train.py CONFIG [args...]

OpenTAD's ``tools/train.py`` and ``tools/test.py`` start NCCL and put the
model on GPU ``LOCAL_RANK``. Around them, and nowhere else, this maps NCCL to
gloo and the CUDA calls to the CPU, stands in for the two CUDA-only
extensions that ``opentad.models`` imports (used by detectors these tests do
not build), and puts the in-place build of OpenTAD's CPU NMS extension on
the path. The environment of OpenTAD's own setup has mmaction2 1.1.0; with
1.2.0 the wheel's missing DRN localizer is stood in for first, as smile_mm
does (``smile_mm.compat``), since OpenTAD imports mmaction before a config
can load smile_mm.
"""
import os
import runpy
import sys
import types


def cpu_instead_of_cuda() -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    start = dist.init_process_group

    def init_process_group(backend=None, *args, **kwargs):
        return start('gloo', *args, **kwargs)

    dist.init_process_group = init_process_group
    torch.cuda.set_device = lambda device: None
    torch.cuda.device_count = lambda: 1
    torch.cuda.max_memory_allocated = lambda *args, **kwargs: 0
    torch.cuda.empty_cache = lambda: None

    module_to = torch.nn.Module.to

    def to(self, *args, **kwargs):  # model.to(local_rank)
        if args and isinstance(args[0], int):
            args = ('cpu', *args[1:])
        return module_to(self, *args, **kwargs)

    torch.nn.Module.to = to
    wrap = DistributedDataParallel.__init__

    def ddp(self, module, *args, device_ids=None, output_device=None,
            **kwargs):
        wrap(self, module, *args, **kwargs)

    DistributedDataParallel.__init__ = ddp
    load = torch.load

    def cpu_load(*args, map_location=None, **kwargs):
        if str(map_location).startswith('cuda'):
            map_location = 'cpu'
        return load(*args, map_location=map_location, **kwargs)

    torch.load = cpu_load


def main() -> None:
    root, script, *argv = sys.argv[1:]
    root = os.path.abspath(root)
    sys.path[:0] = [root, os.path.join(root, 'opentad', 'models', 'utils',
                                       'post_processing', 'nms')]
    for name in ('Align1D', 'boundary_max_pooling_cuda'):
        sys.modules.setdefault(name, types.ModuleType(name))
    from smile_mm.compat import fix_missing_drn
    fix_missing_drn()
    cpu_instead_of_cuda()
    for key, value in (('RANK', '0'), ('LOCAL_RANK', '0'), ('WORLD_SIZE', '1'),
                       ('MASTER_ADDR', '127.0.0.1')):
        os.environ.setdefault(key, value)
    os.environ.setdefault('MASTER_PORT', os.environ.get('PORT', '29531'))
    sys.argv = [script, *argv]
    os.chdir(root)
    runpy.run_path(os.path.join(root, script), run_name='__main__')


if __name__ == '__main__':
    main()
