"""Run notebooks on a Jupyter kernel and write their outputs back (called by run.ts).

    /usr/bin/python3 execute.py --kernel NAME a.ipynb b.ipynb ...

Each notebook gets a fresh kernel started in the notebook's own directory. Cells run in order; the
outputs of a cell are the iopub messages whose parent is that cell's request, collected until the
kernel reports idle AND a short grace period has passed with nothing new: the Deno kernel can
send a cell's last display after its idle status, and nbconvert's executor would drop it.

Exit status: 0 if every cell of every notebook ran, 1 otherwise (the failing notebook and cell are
named). A notebook whose cell failed is still written, with the error as that cell's output and
no outputs below it, so the failure can be read in the file.
"""

import argparse
import os
import queue
import re
import sys
import time

import nbformat
from jupyter_client.manager import KernelManager

GRACE_SECONDS = 1.0  # keep listening this long after idle
CELL_TIMEOUT = 600.0  # seconds
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(value):
    if isinstance(value, str):
        return ANSI.sub("", value)
    if isinstance(value, list):
        return [strip_ansi(v) for v in value]
    return value


def add_output(outputs, msg):
    """Append one iopub message to a cell's outputs, merging consecutive writes to one stream."""
    kind = msg["msg_type"]
    content = msg["content"]
    if kind == "clear_output":
        outputs.clear()
        return
    if kind not in ("stream", "display_data", "execute_result", "error"):
        return  # execute_input, update_display_data, comm messages: not stored in the file
    out = nbformat.v4.output_from_msg(msg)
    if kind == "stream":
        out.text = strip_ansi(out.text)
        if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1].name == out.name:
            outputs[-1].text += out.text
            return
    elif kind == "error":
        out.traceback = strip_ansi(out.traceback)
    outputs.append(out)


def run_cell(km, kc, source):
    """Execute one cell; returns (outputs, error message or None, execution_count)."""
    msg_id = kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=True)
    outputs = []
    idle_at = None
    started = time.monotonic()
    while True:
        if time.monotonic() - started > CELL_TIMEOUT:
            return outputs, f"timed out after {CELL_TIMEOUT:.0f} s", None
        try:
            msg = kc.get_iopub_msg(timeout=0.1)
        except queue.Empty:
            if idle_at is not None and time.monotonic() - idle_at >= GRACE_SECONDS:
                break
            if idle_at is None and not km.is_alive():
                return outputs, "the kernel died", None
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                idle_at = time.monotonic()
            continue
        if idle_at is not None:
            idle_at = time.monotonic()  # something arrived after idle: wait a full grace period again
        add_output(outputs, msg)
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    content = reply["content"]
    error = None
    if content.get("status") != "ok":
        error = f"{content.get('ename', 'error')}: {content.get('evalue', '')}".strip()
    return outputs, error, content.get("execution_count")


def run_notebook(path, kernel_name):
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=os.path.dirname(os.path.abspath(path)), stderr=open(os.devnull, "w"))
    kc = km.client()
    kc.start_channels()
    failure = None
    try:
        kc.wait_for_ready(timeout=120)
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if failure is not None:
                cell.outputs, cell.execution_count = [], None
                continue
            count += 1
            outputs, error, _ = run_cell(km, kc, cell.source)
            cell.outputs = outputs
            cell.execution_count = count
            for out in outputs:
                if "execution_count" in out:
                    out.execution_count = count
            cell.metadata.pop("execution", None)
            if error is not None:
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                failure = f"cell {index + 1} (`{first[:60]}`): {error}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    nbformat.write(nb, path)
    return failure


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", required=True)
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    failed = []
    for path in args.notebooks:
        name = os.path.basename(path)
        started = time.monotonic()
        failure = run_notebook(path, args.kernel)
        took = time.monotonic() - started
        if failure is None:
            print(f"ok    {name}  {took:5.1f} s", flush=True)
        else:
            print(f"FAIL  {name}  {took:5.1f} s  {failure}", flush=True)
            failed.append(name)
    if failed:
        print(f"notebooks: {len(failed)} of {len(args.notebooks)} failed: {', '.join(failed)}")
    else:
        print(f"notebooks: all {len(args.notebooks)} ran without error")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
