"""The avatar page's cut-outs: a version's cut-out for its owner, shown in the page's previews
and downloaded from its links (``?download=1`` names the file)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from avatars.cutouts.services import FORMATS, cutout_query_parse, turn_cutout
from avatars.lookups import turn_for
from pixme.errors import ApplicationError
from pixme.http import stored_file_response


@login_required
@require_GET
def turn_cutout_view(request: HttpRequest, avatar_id: int, turn_id: int, fmt: str) -> HttpResponse:
    turn = turn_for(request, avatar_id, turn_id)
    if fmt not in FORMATS or not turn.image:
        raise Http404("No such cut-out")
    try:
        outline, shadow = cutout_query_parse(request.GET)
        cutout = turn_cutout(turn=turn, outline=outline, shadow=shadow, fmt=fmt)
    except ApplicationError as exc:  # said in words: the page's script shows them
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status)
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    name = None
    if request.GET.get("download"):
        extras = (f"-outline{outline}" if outline else "") + ("-shadow" if shadow else "")
        slug = turn.avatar.style.slug
        name = f"pixme-{slug}-{turn.avatar_id}-v{turn.number}-cutout{extras}.{fmt}"
    return stored_file_response(cutout.file, content_type=FORMATS[fmt], filename=name)
