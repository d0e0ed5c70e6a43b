"""The background task worker (django-tasks' `manage.py db_worker`) as a process of a site
under test: started, stopped and started again like production's, or run once over what
is queued (`run_queued`)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support.asgi import manage
from support.processes import PROJECT_DIR, stop, wait_until

# Seconds between the worker's looks at an empty queue (production's default is 1).
POLL_INTERVAL = "0.2"
STARTED = "Starting worker"  # what db_worker logs once it is up


@dataclass
class TaskWorker:
    """One `manage.py db_worker` process serving the database `env` names."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> TaskWorker:
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--interval", POLL_INTERVAL,
                 "--no-startup-delay", "--no-reload"],
                cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(
            lambda: STARTED in self.log_text()[log_start:],
            timeout=30,
            what="the task worker",
            process=self.process,
        )
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def run_queued(env: dict[str, str]) -> str:
    """Run every task queued in the database `env` names, in a worker that then exits
    (`db_worker --batch`); its output."""
    return manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
