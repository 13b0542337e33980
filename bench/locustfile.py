"""Locust people for bench/load.py: signed-in users browsing Pix Me!, some of them creating.

Run through bench/load.py, which starts the site, makes the accounts and signs each in through
the log-in form (``--accounts-file``: a JSON list of ``{"username", "session", "avatars"}``:
the session cookie and the avatar ids), and reads back every request's start time, name,
duration and status from ``--timings-file`` (written when locust quits), so it can leave out
the warm-up itself.

Every person carries their session cookie, so each page view is a signed-in one (a page that
answers anything but 200, such as the redirect to the log-in page, is an error). Browsers look
at the home page, their avatar list, one of their avatars and their profile, with one to three
seconds between clicks. ``--creators`` of them (a fixed count) create studio Comics avatars as
a person does on the site: open the create page, send the form, land on the avatar page, wait
for it by polling the status JSON once a second (the page's fallback when it has no
websocket), look at the finished page, browse a little, create again. They wait for each
avatar, so the fair-use limits should never refuse them; a 429 is recorded with its status so
the report can count it apart.

Request names: ``page: …`` are HTML page views (the target), ``create`` the form's POST,
``status`` a poll.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCOUNTS: list[dict] = []
TIMINGS: list[list] = []
PHOTO: dict[str, bytes] = {}


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--accounts-file", default="", help="JSON list of accounts")
    parser.add_argument("--timings-file", default="", help="where to write every request")
    parser.add_argument("--photo-file", default="", help="the selfie creators upload")
    parser.add_argument("--creators", type=int, default=0, help="how many people create")


@events.init.add_listener
def _load(environment, **_kwargs) -> None:
    options = environment.parsed_options
    ACCOUNTS.extend(json.loads(Path(options.accounts_file).read_text()))
    PHOTO["selfie.jpg"] = Path(options.photo_file).read_bytes()
    Creator.fixed_count = options.creators


@events.request.add_listener
def _record(name, response_time, response, exception, start_time=None, **_kwargs) -> None:
    status = getattr(response, "status_code", None) or 0
    TIMINGS.append([start_time, name, response_time, status, exception is not None])


@events.quitting.add_listener
def _write(environment, **_kwargs) -> None:
    Path(environment.parsed_options.timings_file).write_text(json.dumps(TIMINGS))


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        account = ACCOUNTS.pop(0)
        self.avatars: list[int] = list(account["avatars"])
        self.client.cookies.set("sessionid", account["session"])

    def page(self, path: str, name: str):
        """A signed-in page view: a 200, not a redirect to the log-in page."""
        with self.client.get(
            path, name=f"page: {name}", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
        return response

    def browse(self) -> None:
        random.choice(
            [
                lambda: self.page("/", "home"),
                lambda: self.page("/avatars/", "avatar list"),
                lambda: self.page(f"/avatars/{random.choice(self.avatars)}/", "avatar"),
                lambda: self.page("/accounts/profile/", "profile"),
            ]
        )()


class Browser(SignedIn):
    @task
    def click_somewhere(self) -> None:
        self.browse()


class Creator(SignedIn):
    @task
    def create_then_browse(self) -> None:
        avatar = self.create()
        if avatar is not None:
            self.wait_until_finished(avatar)
            self.page(f"/avatars/{avatar}/", "avatar")
        for _ in range(3):
            self.wait()
            self.browse()

    def create(self) -> int | None:
        form = self.page("/avatars/new/", "create")
        match = CSRF.search(form.text or "")
        if match is None:
            return None
        self.wait()  # choosing the photo and the style
        with self.client.post(
            "/avatars/new/",
            data={"style": "comics", "engine": "studio", "csrfmiddlewaretoken": match.group(1)},
            files={"photo": ("selfie.jpg", PHOTO["selfie.jpg"], "image/jpeg")},
            name="create",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            found = re.fullmatch(r"/avatars/(\d+)/", location)
            if response.status_code != 302 or found is None:
                response.failure(f"{response.status_code}: not sent to the avatar page")
                return None
        avatar = int(found.group(1))
        self.avatars.append(avatar)
        self.page(location, "avatar")
        return avatar

    def wait_until_finished(self, avatar: int) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(1)
            response = self.client.get(
                f"/avatars/{avatar}/status/",
                name="status",
                headers={"Accept": "application/json"},
                allow_redirects=False,
            )
            if response.status_code == 200 and all(
                t["status"] in ("succeeded", "failed", "cancelled")
                for t in response.json()["turns"]
            ):
                return
