"""Write benchmark figures into RESULTS.md with the machine and the date."""
from __future__ import annotations

import datetime
import os
import os.path as osp
import platform
import re
from typing import List

RESULTS = osp.join(osp.dirname(osp.abspath(__file__)), 'RESULTS.md')


def machine() -> str:
    """CPU model, cores, Python and library versions of this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    import cv2
    import numpy
    import torch
    return (f'{model}, {os.cpu_count()} cores; Python '
            f'{platform.python_version()}, torch {torch.__version__}, numpy '
            f'{numpy.__version__}, OpenCV {cv2.__version__}')


def record(section: str, title: str, command: str, header: List[str],
           rows: List[List[str]], notes: str = '') -> str:
    """Replace (or append) ``section`` of RESULTS.md; returns its text."""
    today = datetime.date.today().isoformat()
    lines = [f'<!-- section:{section} -->', f'## {title}', '',
             f'Measured {today} on {machine()}.', '',
             f'Command: `{command}`', '',
             '| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    if notes:
        lines += ['', notes.strip()]
    lines.append(f'<!-- end:{section} -->')
    block = '\n'.join(lines)
    text = open(RESULTS).read() if osp.exists(RESULTS) else (
        '# Benchmark results\n\nEach section is written by the script named '
        'in its command; rerun it to refresh the figures.\n')
    pattern = re.compile(
        rf'<!-- section:{re.escape(section)} -->.*?<!-- end:'
        rf'{re.escape(section)} -->', re.S)
    text = (pattern.sub(lambda _: block, text) if pattern.search(text) else
            text.rstrip('\n') + '\n\n' + block + '\n')
    with open(RESULTS, 'w') as file:
        file.write(text)
    return block
