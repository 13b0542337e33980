"""Pix Me! as README's "Deploying (scale-out)" runs it: web processes (uvicorn) and worker
processes (``manage.py pixme_worker``) sharing PostgreSQL, Redis and the bucket, with
``manage.py pixme_recover`` run on demand (the deployment's timer)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from tests.liveserver import ROOT, free_port
from tests.scaleout.services import S3, Postgres, Redis

# The scale-out tests' users submit far more than the fair-use limits allow: lifted here,
# as a deployment's env would.
UNLIMITED = {
    "PIXME_MAX_UNFINISHED_PER_USER": "0",
    "PIXME_CREATE_RATE": "off",
    "PIXME_API_BURST_RATE": "off",
    "PIXME_API_SUSTAINED_RATE": "off",
    "PIXME_DAILY_QUOTA": "1000",
}


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


class Cluster:
    def __init__(self, postgres: Postgres, redis: Redis, s3: S3, gemini_url: str):
        self.postgres, self.redis, self.s3 = postgres, redis, s3
        self.dir = Path(tempfile.mkdtemp(prefix="pixme-scaleout-"))
        self.media_root = self.dir / "media"  # must stay empty: media goes to the bucket
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pixme.settings",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            **s3.env(),
            "SECRET_KEY": "scaleout-tests-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PIXME_VAR_DIR": str(self.dir / "var"),
            "MEDIA_ROOT": str(self.media_root),
            "GEMINI_API_KEY": "test-key-123",
            "GEMINI_BASE_URL": gemini_url,
            "GEMINI_RETRY_ATTEMPTS": "1",
            "LOG_LEVEL": "WARNING",
            # The tests probe /readyz from here, as a load balancer on the private network
            # would: they read the details.
            "PIXME_READYZ_NETWORKS": "127.0.0.1",
            **UNLIMITED,
        }
        self.env.pop("PIXME_EMBEDDED_WORKER", None)  # off by itself: REDIS_URL is set
        self.webs: dict[str, Proc] = {}
        self.workers: dict[str, Proc] = {}
        self.queues: dict[str, str] = {}

    # -- manage.py ---------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    # -- processes ---------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], port: int | None = None) -> Proc:
        log = self.dir / f"{name}.log"
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        return Proc(name, process, log, port)

    def start_web(self, name: str) -> Proc:
        port = free_port()
        web = self._spawn(
            name,
            [
                sys.executable, "-m", "uvicorn", "pixme.asgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--lifespan", "on", "--no-proxy-headers", "--log-level",
                "warning", "--ws-max-size", "4096",
            ],
            port,
        )  # fmt: skip
        self.webs[name] = web
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not web.alive:
                raise RuntimeError(f"{name} exited:\n{web.log.read_text()[-4000:]}")
            try:
                urllib.request.urlopen(web.url + "/healthz", timeout=2).read()
                return web
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start:\n{web.log.read_text()[-4000:]}")

    def start_worker(self, name: str, queues: str = "default") -> Proc:
        """A ``pixme_worker`` on ``queues``; a dead one is started again on the same ones."""
        self.queues[name] = queues
        argv = [sys.executable, "manage.py", "pixme_worker", "--worker-id", name]
        worker = self._spawn(name, [*argv, "--queue-name", queues])
        self.workers[name] = worker
        return worker

    def kill(self, proc: Proc) -> None:
        proc.process.send_signal(signal.SIGKILL)
        proc.process.wait(timeout=10)

    def stop(self) -> None:
        for proc in [*self.webs.values(), *self.workers.values()]:
            if proc.alive:
                proc.process.terminate()
        for proc in [*self.webs.values(), *self.workers.values()]:
            try:
                proc.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.log.read_text()[-3000:]}"
            for p in [*self.webs.values(), *self.workers.values()]
        )

    # -- what the tests look at --------------------------------------------------------------

    def local_media_files(self) -> list[Path]:
        return [p for p in self.media_root.rglob("*") if p.is_file()]

    def turn_status(self, turn_id: int) -> str:
        return self.postgres.query("select status from avatars_turn where id = %s", turn_id)[0][0]


def request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 60,
) -> tuple[int, Message, bytes]:
    """One HTTP request (no redirects followed). Returns status, headers, body."""
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Token {token}")
    if content_type:
        req.add_header("Content-Type", content_type)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
    boundary = "pixme-scaleout-boundary"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content, ctype) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def create_avatar(web: Proc, token: str, photo: bytes, **fields: str) -> dict:
    body, ctype = multipart(
        {"style": "pop-art", **fields}, {"photo": ("me.jpg", photo, "image/jpeg")}
    )
    status, _headers, content = request(
        "POST", web.url + "/api/avatars/", token=token, data=body, content_type=ctype
    )
    if status not in (200, 201, 202):
        raise AssertionError(f"create failed: {status} {content[:500]!r}")
    return json.loads(content)
