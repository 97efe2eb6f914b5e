#!/usr/bin/env python3
"""Executes one notebook in a real Jupyter kernel with nbclient, as JupyterLab or VS Code's Jupyter
extension would: the kernel starts in the notebook's own folder (so `#r "../artifacts/..."` resolves
as it does for a student), every cell runs even after an error (so every error output is recorded),
and the executed copy is written atomically.

usage: execute_notebook.py NOTEBOOK OUTPUT [--kernel NAME] [--cell-timeout SECONDS] [--startup-timeout SECONDS]

Prints one JSON line on stdout: {"seconds": wall time, "cells": code cells, "errors": error outputs}.
Exit code 0 when the notebook ran to the end (errors or not), 2 when the kernel could not be run.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError, CellTimeoutError


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("output")
    parser.add_argument("--kernel", default=".net-csharp")
    parser.add_argument("--cell-timeout", type=float, default=600)
    parser.add_argument("--startup-timeout", type=float, default=120)
    args = parser.parse_args()

    notebook = nbformat.read(args.notebook, as_version=4)
    folder = os.path.dirname(os.path.abspath(args.notebook))
    client = NotebookClient(
        notebook,
        kernel_name=args.kernel,
        timeout=int(args.cell_timeout),
        startup_timeout=int(args.startup_timeout),
        allow_errors=True,
        record_timing=True,
        resources={"metadata": {"path": folder}},
    )
    start = time.monotonic()
    status = 0
    problem = None
    try:
        client.execute()
    except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as e:
        status = 3
        problem = f"{type(e).__name__}: {e}"
    seconds = time.monotonic() - start

    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=out_dir, suffix=".ipynb.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(notebook, f)
    os.replace(temporary, args.output)

    code = [c for c in notebook.cells if c.cell_type == "code"]
    errors = sum(1 for c in code for o in c.get("outputs", []) if o.get("output_type") == "error")
    print(json.dumps({"seconds": round(seconds, 2), "cells": len(code), "errors": errors, "problem": problem}))
    return status


if __name__ == "__main__":
    sys.exit(main())
