"""Run a command and record its exit status, wall time and peak RSS in a file.

    python -S bench/rusage_exec.py RESULT_FILE COMMAND [ARG...]

Writes ``<exit status> <seconds> <ru_maxrss KiB>`` to RESULT_FILE and exits with the
command's status. Standard streams and the environment pass through to the command.

Why a separate, small process: Linux keeps, across ``exec``, the peak RSS of the memory
a process had before it, so a child forked (or vforked) from a large benchmark process
reports at least that process's peak as its ``ru_maxrss``. Forked from this small
interpreter instead, the command starts from a floor of a few MiB, well below any OCR
tool's own peak. Only built-in modules are used so that ``-S`` keeps it small.
"""

import os
import sys
import time


def main() -> int:
    """Fork, exec the command in the child, reap it with ``os.wait4`` and record."""
    if len(sys.argv) < 3:
        os.write(2, b"usage: rusage_exec.py RESULT_FILE COMMAND [ARG...]\n")
        return 2
    result_file, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            os.write(2, f"cannot run {command[0]}: {exc}\n".encode())
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)  # negative: killed by that signal
    with open(result_file, "w", encoding="ascii") as out:
        out.write(f"{code} {seconds:.6f} {usage.ru_maxrss}\n")
    return code if 0 <= code < 256 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
