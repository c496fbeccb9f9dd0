#!/usr/bin/env python3
"""Executes a notebook headless with nbclient, as a user's CI would, and prints one JSON object on stdout:
each code cell's outputs, the kernel's thread count after its pool cell ran once and after it ran twice more (a
re-run cell must not leave workers behind), and whether the kernel process is gone after shutdown.

Usage: python3 scripts/run-notebook.py NOTEBOOK [KERNEL]   (kernel default: the notebook's own, e.g. deno)
Needs nbclient, jupyter-client and ipykernel (Debian: python3-nbclient python3-ipykernel) and the kernel installed
(`deno jupyter --install`).
"""
import json, os, sys, time
import nbformat
from nbclient import NotebookClient

THREADS = "console.log('THREADS ' + Deno.readDirSync('/proc/self/task').toArray().length)"

def outputs(cell):
    found = []
    for out in cell.get('outputs', []):
        entry = {'type': out.get('output_type')}
        if 'text' in out: entry['text'] = out['text']
        if 'data' in out: entry['data'] = {k: v for k, v in out['data'].items()}
        if out.get('output_type') == 'error': entry['error'] = f"{out.get('ename')}: {out.get('evalue')}"
        if 'transient' in out or 'metadata' in out: entry['display_id'] = (out.get('transient') or {}).get('display_id')
        found.append(entry)
    return found

def count_threads(client, probe, index):
    # Deno's kernel has been seen to drop a cell's output on a loaded machine: ask again, a few times.
    for _ in range(5):
        client.execute_cell(probe, index)
        texts = [o.get('text', '') for o in probe.outputs if o.get('output_type') == 'stream']
        if texts and texts[-1].split():
            return int(texts[-1].split()[-1])
    return None

def main():
    path = sys.argv[1]
    nb = nbformat.read(path, as_version=4)
    kernel = sys.argv[2] if len(sys.argv) > 2 else nb.metadata['kernelspec']['name']
    # nbclient waits only 4 s (iopub_timeout) for a cell's outputs after its reply, then drops what comes later:
    # on a loaded machine that lost the last progress update and the plot. Wait longer, and fail if even that is short.
    client = NotebookClient(nb, timeout=120, iopub_timeout=60, raise_on_iopub_timeout=True, kernel_name=kernel,
                            resources={'metadata': {'path': os.path.dirname(os.path.abspath(path))}})
    probe = nbformat.v4.new_code_cell(THREADS)
    cells = list(nb.cells)
    nb.cells.append(probe)  # nbclient stores outputs by index: the probe gets the last one
    threads = []
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid if getattr(client.km, 'provisioner', None) else None
        code_cells = [(i, c) for i, c in enumerate(cells) if c.cell_type == 'code']
        create = next(i for i, c in code_cells if 'create' in c.metadata.get('tags', []))
        for index, cell in code_cells:
            client.execute_cell(cell, index)
            if index == create:
                for _ in range(3):
                    threads.append(count_threads(client, probe, len(nb.cells) - 1))
                    client.execute_cell(nb.cells[create], create)  # the cell run again, as a user would
    gone = None
    if pid is not None:
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                gone = True
                break
            time.sleep(0.1)
        else:
            gone = False
    print(json.dumps({'cells': [outputs(c) for c in cells if c.cell_type == 'code'], 'threads': threads, 'kernelGone': gone}))

main()
