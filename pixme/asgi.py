"""ASGI entry point: HTTP through Django, websockets through Channels.

In the embedded default the same process also runs the job worker (avatars.worker), and
progress events from its thread are handed to this server's event loop.
"""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixme.settings")
django_asgi_app = get_asgi_application()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from avatars.routing import websocket_urlpatterns  # noqa: E402
from avatars.services.progress import set_server_loop  # noqa: E402
from avatars.worker import start_embedded_worker  # noqa: E402
from pixme.websocket_origin import SameOriginValidator  # noqa: E402


class EmbeddedRuntime:
    """Start the in-process job worker on the server's own event loop.

    With ASGI lifespan (uvicorn) that happens at start-up, so unfinished turns are recovered
    before anyone visits; servers without lifespan (daphne's runserver) start it on the first
    connection. Either way the loop is recorded first, so progress events from the job
    thread reach the in-memory channel layer on the loop that owns it.
    """

    def __init__(self, app):
        self.app = app
        self.started = False

    async def _start(self) -> None:
        if not self.started:
            set_server_loop(asyncio.get_running_loop())
            # Recovery touches the database: run it off the loop, as the ORM requires.
            await sync_to_async(start_embedded_worker, thread_sensitive=False)()
            self.started = True  # only once it worked: a failed start is tried again

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
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self._start()
        return await self.app(scope, receive, send)


application = EmbeddedRuntime(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
