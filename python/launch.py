#!/usr/bin/env python3
"""Start N ranks of a script on this machine, as `torchrun --standalone --nproc_per_node N` does.

    python3 python/launch.py --nproc 2 python/train.py --resume checkpoints/model.safetensors

Use torchrun where it works; this exists because Debian 12's torchrun (torch 1.13 on Python 3.11)
fails before starting anything. Each rank gets MASTER_ADDR, MASTER_PORT, RANK, LOCAL_RANK,
WORLD_SIZE and LOCAL_WORLD_SIZE (torch.distributed's env:// rendezvous). Rank 0's output is shown;
the others' too, prefixed. If one rank fails, the others are stopped and its exit code is returned.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main(argv):
    p = argparse.ArgumentParser(prog='launch.py', description=__doc__.split('\n')[0])
    p.add_argument('--nproc', type=int, required=True, help='ranks to start on this machine')
    p.add_argument('script')
    p.add_argument('args', nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    if a.nproc < 1:
        print('launch.py: error: --nproc must be at least 1', file=sys.stderr)
        return 2
    port = str(free_port())
    procs = []
    for rank in range(a.nproc):
        env = dict(os.environ, MASTER_ADDR='127.0.0.1', MASTER_PORT=port, RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE=str(a.nproc), LOCAL_WORLD_SIZE=str(a.nproc))
        procs.append(subprocess.Popen([sys.executable, a.script, *a.args], env=env))
    # Ctrl-C reaches every rank through the process group; the launcher waits for them to save and stop.
    signal.signal(signal.SIGINT, lambda *_: None)

    def terminate(signum, _frame):  # killed (a timeout, a job scheduler): take the ranks along
        for q in procs:
            q.terminate()
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, terminate)
    code = 0
    while procs:
        for q in list(procs):
            rc = q.poll()
            if rc is None:
                continue
            procs.remove(q)
            if rc != 0 and code == 0:
                code = rc
                for other in procs:  # a failed rank leaves the others waiting on a collective forever
                    other.terminate()
        time.sleep(0.05)
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
