"""Start the real site (uvicorn, embedded default) as a separate process for slow tests."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "pixme.sqlite3"

# The database one real ``migrate`` made in this process (each pytest-xdist worker is one):
# every later site starts from a copy of it instead of migrating again (3–4 s each).
_migrated: Path | None = None


def migrated_database() -> Path:
    """An SQLite database that ``manage.py migrate`` made from empty, once per process."""
    global _migrated
    if _migrated is None:
        var_dir = Path(tempfile.mkdtemp(prefix="pixme-migrated-"))
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
        LiveSite(var_dir).migrate(copy=False)
        database = var_dir / DATABASE
        # migrate's connections are closed, so WAL mode has folded everything into the
        # file: checkpoint anyway, so that the file alone is the whole database.
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _migrated = database
    return _migrated


def wait_for(predicate, timeout: float, step: float = 0.02):
    """``predicate()``'s first true value within ``timeout`` seconds, asked every ``step``; or
    None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveSite:
    """One embedded-mode Pix Me! process over a private var/ directory."""

    def __init__(self, var_dir: Path, *, log_level: str = "warning", **env: str):
        """``log_level="info"`` writes uvicorn's access log to ``self.log`` too."""
        self.var_dir = var_dir
        self.log_level = log_level
        self.port = free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pixme.settings",
            "PIXME_VAR_DIR": str(var_dir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PIXME_EMBEDDED_WORKER": "true",
            "REDIS_URL": "",
            "DATABASE_URL": "",
            "GEMINI_API_KEY": "",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.log = var_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        """The last line ``code`` prints, run by ``manage.py shell`` on this site's settings."""
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    @property
    def database(self) -> Path:
        return self.var_dir / DATABASE

    def migrate(self, *, copy: bool = True) -> None:
        """Bring the database up to date. A new SQLite database is a copy of one migrated
        earlier in this process (``migrated_database``); ``copy=False``, another database
        (``DATABASE_URL``) or one that exists already gets a real ``manage.py migrate``."""
        fresh_sqlite = (
            not self.env.get("DATABASE_URL")
            and self.env["PIXME_VAR_DIR"] == str(self.var_dir)
            and not self.database.exists()
        )
        if copy and fresh_sqlite:
            self.var_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(migrated_database(), self.database)
            return
        self.manage("migrate", "--noinput", "-v", "0")

    def start(self, *options: str) -> None:
        """``options``: uvicorn's, after the address (default: as scripts/run starts it)."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "pixme.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *(options or ("--lifespan", "on", "--no-proxy-headers")),
                "--log-level",
                self.log_level,
                # As scripts/run, the Procfile and deploy/ start it.
                "--ws-max-size",
                "4096",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds: the server lets its runner finish
        the job in hand for up to 10 s. A fixture's teardown, done with the site, passes a
        short grace (its runner ends with it either way: jobs.runner exits when the pipe to
        the server closes)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()

    def query(self, sql: str, *params):
        with sqlite3.connect(self.database, timeout=10) as db:
            return db.execute(sql, params).fetchall()
