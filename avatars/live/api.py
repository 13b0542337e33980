"""``POST /api/avatars/<id>/ws-ticket/``: a ticket to follow an avatar's progress live."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.live.tickets import TICKET_SECONDS, ws_ticket_issue
from avatars.lookups import avatar_for
from pixme.api.schema import AUTHENTICATED_ERRORS, error_responses


class WsTicketApi(APIView):
    class OutputSerializer(serializers.Serializer):
        ticket = serializers.CharField(help_text="Opens one socket, once.")
        url = serializers.CharField(help_text="The websocket to open: no cookie needed.")
        expires_in = serializers.IntegerField(help_text="Seconds left to open it.")

        class Meta:
            ref_name = "WsTicket"

    @extend_schema(
        operation_id="avatars_ws_ticket",
        summary="A ticket to follow an avatar's progress on its websocket",
        description=(
            "Open `url` (ws:// or wss://) within `expires_in` seconds, with no cookie. The "
            "socket sends a `snapshot` of every version, then `progress`, `text`, `likeness`, "
            "`done` and `failed` events as they happen. The ticket opens one socket, once; "
            "ask for a new one to reconnect. Your token never goes into a URL."
        ),
        request=None,
        responses={200: OutputSerializer, **error_responses(404, *AUTHENTICATED_ERRORS)},
        examples=[
            OpenApiExample(
                "Ticket",
                value={
                    "ticket": "Zq2…",
                    "url": "wss://pixme.example/ws/avatars/7/?ticket=Zq2…",
                    "expires_in": TICKET_SECONDS,
                },
                response_only=True,
            )
        ],
    )
    def post(self, request, avatar_id: int):
        avatar = avatar_for(request, avatar_id)
        ticket = ws_ticket_issue(avatar=avatar)
        scheme = "wss" if request.is_secure() else "ws"
        url = f"{scheme}://{request.get_host()}/ws/avatars/{avatar.pk}/?ticket={ticket}"
        data = {"ticket": ticket, "url": url, "expires_in": TICKET_SECONDS}
        return Response(self.OutputSerializer(data).data)
