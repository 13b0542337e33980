"""The real services of a scale-out deployment, started and stopped by the test session.

PostgreSQL (Debian's ``postgresql``: a throw-away cluster under a temp dir), Redis (Debian's
``redis-server``) and an S3-compatible bucket (moto's server mode, ``moto[server]`` from
PyPI), each on a free port of 127.0.0.1 as a child process stopped by its PID. ``scripts/services``
installs them; when one is missing these raise ``ServiceUnavailable`` and the tests fail —
they are never skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.liveserver import free_port

BIN = Path(sys.executable).parent


class ServiceUnavailable(RuntimeError):
    pass


def _wait(predicate, what: str, process: subprocess.Popen, log: Path, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceUnavailable(f"{what} exited:\n{log.read_text()[-3000:]}")
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise ServiceUnavailable(f"{what} did not start in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class Postgres:
    """A PostgreSQL cluster of its own: ``initdb`` and ``postgres`` refuse to run as root, so
    as root they run as the ``postgres`` user the package creates, on a directory it owns."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise ServiceUnavailable("PostgreSQL is not installed (scripts/services installs it)")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pixme-pg-"))
        self.process: subprocess.Popen | None = None
        self.url = f"postgres://pixme@127.0.0.1:{self.port}/pixme"

    def _as_owner(self, *argv: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.getuid() == 0 else list(argv)

    def start(self) -> Postgres:
        data, log = self.dir / "data", self.dir / "postgres.log"
        self.dir.chmod(0o711)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            self._as_owner(
                str(self.bin / "initdb"), "-D", str(data), "-U", "pixme", "--auth=trust",
                "--no-sync", "-E", "UTF8",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.process = subprocess.Popen(
            self._as_owner(
                str(self.bin / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                "-p", str(self.port), "-k", str(self.dir), "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self._create_database, "postgres", self.process, log)
        return self

    def _create_database(self) -> bool:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=pixme dbname=postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE pixme")
        return True

    def connect(self):
        import psycopg

        return psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=pixme dbname=pixme", autocommit=True
        )

    def query(self, sql: str, *params) -> list[tuple]:
        with self.connect() as db:
            return db.execute(sql, params).fetchall()

    def stop(self) -> None:
        # "Fast" shutdown: SIGINT to the postmaster itself. As root, self.process is runuser,
        # which passes no SIGINT on: it used to wait 15 s, be killed, and leave PostgreSQL
        # running without its directory until it noticed (up to a minute later).
        try:
            pid = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGINT)
        except (OSError, ValueError, IndexError):
            pass  # never started, or gone already
        _stop(self.process, signal.SIGINT)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise ServiceUnavailable("redis-server is not installed (scripts/services does it)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pixme-redis-"))
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        log = self.dir / "redis.log"
        self.process = subprocess.Popen(
            [
                self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                "--appendonly", "no", "--dir", str(self.dir),
            ],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(lambda: self.client().ping(), "redis-server", self.process, log)
        return self

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


class S3:
    """moto's S3 in server mode: any key and secret are accepted; anonymous reads of a
    private object are refused (403), as on S3."""

    bucket = "pixme-media"
    region = "us-east-1"
    key_id = "scaleout-test-key"
    secret = "scaleout-test-secret"

    def __init__(self):
        self.binary = BIN / "moto_server"
        if not self.binary.exists():
            raise ServiceUnavailable("moto_server is not installed (requirements-dev.txt)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pixme-s3-"))
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> S3:
        log = self.dir / "moto.log"
        self.process = subprocess.Popen(
            [str(self.binary), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        _wait(self._create_bucket, "moto_server", self.process, log)
        return self

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
        )

    def _create_bucket(self) -> bool:
        self.client().create_bucket(Bucket=self.bucket)
        return True

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def env(self) -> dict[str, str]:
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
        }

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)
