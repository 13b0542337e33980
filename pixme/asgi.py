"""ASGI entry point: HTTP through Django, websockets through Channels.

In the embedded default this server also starts, supervises and stops the job runners as
child processes (jobs.embedded.EmbeddedRunner: one for renders, one for the background
queue), and relays their progress events to the pages.
"""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixme.settings")
django_asgi_app = get_asgi_application()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from avatars.live.routing import websocket_urlpatterns  # noqa: E402
from avatars.live.tickets import TicketAuthMiddleware  # noqa: E402
from avatars.picture.asgi import PictureRoute  # noqa: E402
from jobs.embedded import LANES, EmbeddedRunner  # noqa: E402
from pixme.broadcast import set_server_loop  # noqa: E402
from pixme.websocket_origin import SameOriginValidator  # noqa: E402


class EmbeddedRuntime:
    """Start the job runner children (embedded default: PIXME_EMBEDDED_WORKER).

    With ASGI lifespan (uvicorn) that happens at start-up, and the server answers only once
    the children have recovered unfinished work; servers without lifespan (daphne's
    runserver) start them on the first connection. Either way the loop is recorded first, so
    the events relayed from the children reach the in-memory channel layer on the loop that
    owns it.
    """

    def __init__(self, app):
        self.app = app
        self.started = False
        self.runners: list[EmbeddedRunner] = []
        self._lock = asyncio.Lock()

    async def _start(self) -> None:
        if self.started:
            return
        async with self._lock:
            if self.started:
                return
            set_server_loop(asyncio.get_running_loop())
            if settings.PIXME_EMBEDDED_WORKER:
                runners = [EmbeddedRunner(lane) for lane in LANES.values()]
                # Each blocks until its child is ready: off the loop, side by side.
                outcomes = await asyncio.gather(
                    *(sync_to_async(r.start, thread_sensitive=False)() for r in runners),
                    return_exceptions=True,
                )
                failed = [o for o in outcomes if isinstance(o, BaseException)]
                if failed:
                    for runner, outcome in zip(runners, outcomes, strict=True):
                        if not isinstance(outcome, BaseException):
                            await sync_to_async(runner.stop, thread_sensitive=False)()
                    raise failed[0]
                self.runners = runners
            self.started = True  # only once it worked: a failed start is tried again

    async def _stop(self) -> None:
        runners, self.runners = self.runners, []
        await asyncio.gather(*(sync_to_async(r.stop, thread_sensitive=False)() for r in runners))

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    try:
                        await self._start()
                    except Exception as exc:  # the server must not run without its worker
                        await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self._stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self._start()
        return await self.app(scope, receive, send)


application = EmbeddedRuntime(
    ProtocolTypeRouter(
        {
            # /avatar/<hash> is answered before Django's stack (avatars/picture/asgi.py).
            "http": PictureRoute(django_asgi_app),
            "websocket": SameOriginValidator(
                AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))
            ),
        }
    )
)
