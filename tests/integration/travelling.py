"""Run a Python module (or `-c CODE`) on the suite's travelled clock:
`python -m tests.integration.travelling celery -A config worker ...`.

With `--today`, tests/conftest.py puts the offset between the travelled clock and the real
one in ROUNDTABLE_TODAY_OFFSET (seconds). This process travels by the same offset, clock
ticking, before the module starts, so a Celery worker and its beat see the same day as the
tests that queue its work. Children it forks (the prefork pool, embedded beat) inherit the
travelled clock. Without the variable it simply runs the module."""

import os
import runpy
import sys
import time

import time_machine


def main() -> None:
    offset = os.environ.get("ROUNDTABLE_TODAY_OFFSET")
    if offset:
        time_machine.travel(time.time() + float(offset), tick=True).start()
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tests.integration.travelling MODULE|-c CODE [ARGS...]")
    if sys.argv[1] == "-c":
        code, sys.argv = sys.argv[2], ["-c", *sys.argv[3:]]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
        return
    module, sys.argv = sys.argv[1], [sys.argv[1], *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
