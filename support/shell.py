"""A Django shell kept open against a site's database: what `manage.py shell -c` does, without
a new interpreter and Django's setup (two seconds of CPU) for every snippet a test runs.

Run as `python -m support.shell`, it reads one JSON-encoded snippet per line and answers each
with one JSON line: what the snippet printed and, if it raised, the traceback. The snippets
see the names `manage.py shell` gives them (the models, Django's usual helpers)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import IO, TextIO

from support.processes import PROJECT_DIR, stop


class DjangoShell:
    """One `python -m support.shell` process for `env`, started on first use."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def run(self, code: str) -> str:
        """Run `code` in the shell; return what it printed. Raises if the code raised."""
        process = self._started()
        assert process.stdin
        assert process.stdout
        process.stdin.write(json.dumps(code) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"the Django shell ended (exit {process.wait()}): see {self.log_path}"
            )
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"the Django shell's snippet failed:\n{reply['error']}")
        return reply["output"]

    def stop(self) -> None:
        if self._process is not None:
            with self._process:  # its pipes closed, once it has ended
                stop(self._process)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None:
            self._log = self.log_path.open("a")
            self._process = subprocess.Popen(
                [sys.executable, "-m", "support.shell"],
                cwd=PROJECT_DIR, env=self.env, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            )  # fmt: skip
        return self._process


def serve(requests: TextIO, replies: TextIO) -> None:
    import django
    from django.core.management.commands.shell import Command
    from django.db import connections

    django.setup()
    namespace = Command().get_namespace()
    for line in requests:
        printed = io.StringIO()
        reply: dict[str, str] = {}
        try:
            with contextlib.redirect_stdout(printed):
                exec(json.loads(line), {**namespace})
        except Exception:  # noqa: BLE001 - the test that sent it gets the traceback
            reply["error"] = traceback.format_exc()
        finally:
            # No connection is left open between snippets: a test may drop or restart the
            # database while this process waits.
            connections.close_all()
        reply["output"] = printed.getvalue()
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    # The replies get a descriptor of their own, and standard output goes to the log: only
    # the snippets' prints are captured, and nothing else written there (a library's, or C
    # code's) can get into the replies.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin, replies)
