"""Pages. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.services import profile_for_user, user_suspension_reason
from avatars.engines.base import STYLE_STRENGTH_DEFAULT
from avatars.forms import AvatarCreateForm, EditForm
from avatars.live.snapshot import avatar_snapshot, turn_snapshot
from avatars.lookups import avatar_for, turn_for
from avatars.models import Avatar, Turn
from avatars.moderation.rules import MODERATED, avatar_moderation_check
from avatars.retention.services import avatar_photo_status
from avatars.selectors import (
    avatar_link_paused,
    avatar_list_for_user,
    avatar_open_report_count,
    style_list_enabled,
    take_list_ranked,
    turn_likeness_level,
    turn_likeness_words,
    turn_list_for_avatar,
    turn_retryable,
    turn_skin_note,
)
from avatars.services.avatars import avatar_create, avatar_delete
from avatars.services.downloads import turn_webp
from avatars.services.skin_retake import turn_skin_retake, turn_skin_retake_offered
from avatars.services.turns import turn_cancel, turn_request_edit, turn_retry, turn_revert
from avatars.sharing.services import share_path
from avatars.stages import STAGE_WORDS, STATUS_WORDS, stage_words
from avatars.stickers.services import messenger_choices, sticker_choices, sticker_pack_list
from pixme.api.throttles import CreateRateThrottle, rate_limit_check
from pixme.errors import REFUSAL_CODES, ApplicationError
from pixme.http import stored_file_response
from pixme.numbers import parse_int
from pixme.uploads import oversize_refusal


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"styles": style_list_enabled()})


@login_required
def avatar_list(request: HttpRequest) -> HttpResponse:
    number = parse_int(request.GET.get("page") or "1", low=1, name="The page")
    page = Paginator(avatar_list_for_user(user=request.user), 12).get_page(number)
    return render(request, "avatars/list.html", {"page": page})


@login_required
def avatar_new(request: HttpRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    form = AvatarCreateForm(
        request.POST or None, request.FILES or None, default_engine=profile.default_engine
    )
    too_large = oversize_refusal(request)
    busy = None
    if request.method == "POST":
        try:  # before anything is decoded: one limit with the API's creates
            rate_limit_check(request, CreateRateThrottle)
        except ApplicationError as exc:
            busy = exc
    if busy:
        form.is_valid()  # what was chosen stays chosen
        form.add_error(None, busy.message)
    elif too_large and request.method == "POST":
        form.is_valid()
        form.errors.pop("photo", None)
        form.add_error("photo", too_large)
    elif request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            avatar = avatar_create(
                owner=request.user,
                upload=photo,
                upload_size=photo.size,
                style=form.cleaned_data["style"],
                engine=form.cleaned_data["engine"],
                instruction=form.cleaned_data["instruction"],
                aspect_ratio=form.cleaned_data["aspect_ratio"],
                model=form.cleaned_data["model"],
                image_size=form.cleaned_data["image_size"],
                title=form.cleaned_data["title"],
                variants=form.cleaned_data["variants"],
                style_strength=form.cleaned_data["style_strength"],
            )
        except ApplicationError as exc:
            form.add_error("photo" if exc.code == "bad_image" else None, exc.message)
            busy = exc
        else:
            if _wants_json(request):
                return JsonResponse({"avatar": avatar.pk, "url": detail_url(avatar)}, status=202)
            return redirect(detail_url(avatar))
    status = 400 if form.errors else 200
    favourites = set(profile.favourite_styles.values_list("pk", flat=True))
    response = render(
        request, "avatars/new.html", {"form": form, "favourites": favourites}, status=status
    )
    return _with_wait(response, busy)


def _with_wait(response: HttpResponse, exc: ApplicationError | None) -> HttpResponse:
    """A refusal that only asks to wait is a 429 (too many of the user's avatars running) or
    a 503 (the server is decoding as many photos as it may), with Retry-After."""
    if exc is not None and "retry_after" in exc.extra:
        response.status_code = 503 if exc.code == "server_busy" else 429
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def detail_url(avatar: Avatar) -> str:
    return reverse("avatars:detail", args=[avatar.pk])


@login_required
def avatar_detail(request: HttpRequest, avatar_id: int) -> HttpResponse:
    return avatar_page(request, avatar_for(request, avatar_id))


def avatar_page(
    request: HttpRequest, avatar: Avatar, *, edit_form: EditForm | None = None, status: int = 200
) -> HttpResponse:
    """The avatar page. ``?v=N`` only looks at version N; ``?v=N&edit=1`` also makes it the
    base of the next edit (a new branch). Otherwise the edit starts from the current version."""
    turns = list(turn_list_for_avatar(avatar=avatar))
    by_number = {t.number: t for t in turns}
    current = next((t for t in turns if t.pk == avatar.current_turn_id), None)
    asked = request.GET.get("v")
    shown = by_number.get(parse_int(asked, low=1, name="The version")) if asked else None
    if shown is None or shown.status != Turn.Status.SUCCEEDED:
        shown = current  # only a finished version can be looked at
    base = shown if request.GET.get("edit") else current
    if edit_form is not None and edit_form.data.get("parent"):
        base = next((t for t in turns if str(t.pk) == edit_form.data["parent"]), base)
    for turn in turns:
        turn.likeness_text = turn_likeness_words(turn)
        turn.likeness_level = turn_likeness_level(turn)
        turn.skin_note = turn_skin_note(turn=turn)
        turn.skin_retake = turn_skin_retake_offered(turn=turn)
        turn.words = stage_words(stage=turn.stage, status=turn.status)
        turn.retryable = turn_retryable(turn=turn)
    path = share_path(avatar=avatar)
    open_reports = avatar_open_report_count(avatar=avatar)
    locked = avatar.moderation in MODERATED or user_suspension_reason(user=request.user) is not None
    return render(
        request,
        "avatars/detail.html",
        {
            "avatar": avatar,
            "turns": turns,
            "current": current,
            "shown": shown,
            "base": base,
            # The live area holds only what is still being drawn: a failure is told once, in
            # the timeline, where Retry is offered if it could help.
            "pending": [t for t in turns if not t.is_finished],
            "edit_form": edit_form
            or EditForm(
                initial={
                    "parent": base.pk if base else None,
                    "style_strength": base.style_strength if base else STYLE_STRENGTH_DEFAULT,
                }
            ),
            "snapshot": [turn_snapshot(turn=t) for t in turns],
            "stage_words": {"stages": STAGE_WORDS, "statuses": STATUS_WORDS},
            "takes": take_list_ranked(turns=turns),
            "moderated": avatar.moderation in MODERATED,
            # Offer nothing the services would refuse: no edit box, retry, revert or reel.
            "locked": locked,
            "cutout": _cutout_options(request),
            "sticker_choices": [] if locked else sticker_choices(owner=request.user),
            "sticker_packs": sticker_pack_list(owner=request.user),
            "messengers": messenger_choices(),
            "sticker_grounds": STICKER_GROUNDS,
            "share_url": request.build_absolute_uri(path) if path else "",
            "shareable": [t for t in turns if t.status == Turn.Status.SUCCEEDED and t.image],
            "open_reports": open_reports,
            "link_paused": avatar_link_paused(avatar=avatar),
            "photo": avatar_photo_status(avatar=avatar),
        },
        status=status,
    )


# A made pack's stickers as they will look: on a chequerboard (transparent), dark and light.
STICKER_GROUNDS = [
    ("checker", "On a chequerboard (transparent)"),
    ("dark", "On a dark chat"),
    ("light", "On a light chat"),
]


def _cutout_options(request: HttpRequest) -> dict:
    """The cut-out panel's outline and shadow, as the page's form without script sent them."""
    outline = parse_int(request.GET.get("outline") or "8", high=64, name="The outline")
    return {"outline": outline, "shadow": request.GET.get("shadow") == "1"}


@login_required
@require_POST
def avatar_edit(request: HttpRequest, avatar_id: int) -> HttpResponse:
    """Queue an edit. A refusal (an edit the engine can only refuse, a busy user) comes back
    on the page, once, under the edit box with what was typed; as JSON it is a 400."""
    avatar = avatar_for(request, avatar_id)
    form = EditForm(request.POST)
    try:
        rate_limit_check(request, CreateRateThrottle)  # one limit with the API's edits
        if not form.is_valid():
            raise ApplicationError(next(iter(form.errors.values()))[0])
        parent = None
        if form.cleaned_data["parent"]:
            parent = turn_for(request, avatar.pk, form.cleaned_data["parent"])
        turn = turn_request_edit(
            avatar=avatar,
            instruction=form.cleaned_data["instruction"],
            parent=parent,
            style_strength=form.cleaned_data["style_strength"],
        )
    except ApplicationError as exc:
        status = 403 if exc.code in REFUSAL_CODES else 400
        if _wants_json(request):
            body = {"detail": exc.message, "code": exc.code}
            return _with_wait(JsonResponse(body, status=status), exc)
        if exc.code in REFUSAL_CODES:  # the page has no edit box to show it under
            messages.error(request, exc.message)
            return avatar_page(request, avatar, status=status)
        form.errors.clear()
        form.add_error("instruction", exc.message)
        return _with_wait(avatar_page(request, avatar, edit_form=form, status=400), exc)
    if _wants_json(request):
        return JsonResponse(turn_snapshot(turn=turn), status=202)
    return redirect(detail_url(avatar))


@login_required
@require_POST
def turn_action(request: HttpRequest, avatar_id: int, turn_id: int, action: str) -> HttpResponse:
    turn = turn_for(request, avatar_id, turn_id)
    try:
        if action == "revert":
            turn_revert(avatar=turn.avatar, turn=turn)
            messages.success(request, f"Version {turn.number} is current again.")
        elif action == "cancel":
            turn_cancel(turn=turn)
        elif action == "retry":
            rate_limit_check(request, CreateRateThrottle)  # a retry draws again
            turn_retry(turn=turn)
        elif action == "retake-skin":
            rate_limit_check(request, CreateRateThrottle)  # a retake draws again
            turn_skin_retake(turn=turn)
        else:
            raise Http404
    except ApplicationError as exc:
        if "retry_after" in exc.extra:
            return wait_page(request, turn.avatar, exc)
        messages.error(request, exc.message)
    return redirect(detail_url(turn.avatar))


def wait_page(request: HttpRequest, avatar: Avatar, exc: ApplicationError) -> HttpResponse:
    """A refusal that only asks to wait (a limit, a busy user): 429 with Retry-After, on the
    avatar's page (or as JSON), not a redirect that would hide the status."""
    if _wants_json(request):
        return _with_wait(JsonResponse({"detail": exc.message, "code": exc.code}), exc)
    messages.error(request, exc.message)
    return _with_wait(avatar_page(request, avatar), exc)


@login_required
def avatar_delete_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = avatar_for(request, avatar_id)
    if request.method == "POST":
        avatar_delete(avatar=avatar)
        messages.success(
            request,
            "Avatar deleted, with all its versions and files. Its receipt is on your profile.",
        )
        return redirect("avatars:list")
    return render(request, "avatars/delete.html", {"avatar": avatar})


@login_required
@require_GET
def avatar_status(request: HttpRequest, avatar_id: int) -> JsonResponse:
    """The same snapshot the websocket sends first: the polling fallback for pages."""
    avatar = avatar_for(request, avatar_id)
    return JsonResponse(avatar_snapshot(avatar=avatar))


# Media: never a public URL. Every file goes through the owner check first.
# A moderator's hidden or removed avatar still shows its owner the source and the thumbnails
# (so they can see what was decided about); the full-size image and downloads are refused
# with a 403 that says why: the owner knows the avatar exists, a 404 would only puzzle them.


def _moderation_refusal(avatar: Avatar) -> HttpResponse | None:
    try:
        avatar_moderation_check(avatar=avatar, doing="downloaded")
    except ApplicationError as exc:
        return HttpResponseForbidden(exc.message, content_type="text/plain; charset=utf-8")
    return None


@login_required
@require_GET
def avatar_source(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = avatar_for(request, avatar_id)
    return stored_file_response(avatar.source, content_type="image/jpeg")


@login_required
@require_GET
def turn_image(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    turn = turn_for(request, avatar_id, turn_id)
    return _moderation_refusal(turn.avatar) or stored_file_response(
        turn.image, content_type="image/png"
    )


@login_required
@require_GET
def turn_thumbnail(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    turn = turn_for(request, avatar_id, turn_id)
    return stored_file_response(turn.thumbnail, content_type="image/webp")


@login_required
@require_GET
def turn_download(request: HttpRequest, avatar_id: int, turn_id: int, fmt: str) -> HttpResponse:
    turn = turn_for(request, avatar_id, turn_id)
    if fmt not in ("png", "webp") or not turn.image:
        raise Http404("No such download")
    refusal = _moderation_refusal(turn.avatar)
    if refusal:
        return refusal
    name = f"pixme-{turn.avatar.style.slug}-{turn.avatar_id}-v{turn.number}.{fmt}"
    stored = turn.image if fmt == "png" else turn_webp(turn=turn)
    return stored_file_response(stored, content_type=f"image/{fmt}", filename=name)
