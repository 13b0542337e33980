"""Pages. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.services import profile_for_user
from avatars.files import ServedFile
from avatars.forms import AvatarCreateForm, EditForm
from avatars.models import Avatar, Turn
from avatars.selectors import (
    avatar_get_for_user,
    avatar_list_for_user,
    avatar_open_report_count,
    reports_to_hide,
    style_list_enabled,
    take_list_ranked,
    turn_get_for_user,
    turn_likeness_words,
    turn_list_for_avatar,
)
from avatars.services.avatars import avatar_create, avatar_delete
from avatars.services.downloads import turn_webp
from avatars.services.sharing import (
    avatar_moderation_check,
    avatar_share,
    avatar_unshare,
    share_path,
)
from avatars.services.turns import (
    turn_cancel,
    turn_request_edit,
    turn_retry,
    turn_retryable,
    turn_revert,
    turn_snapshot,
)
from avatars.stages import STAGE_WORDS, STATUS_WORDS, stage_words
from avatars.uploads import oversize_refusal
from pixme.errors import ApplicationError


def _avatar_or_404(request: HttpRequest, avatar_id: int) -> Avatar:
    try:
        return avatar_get_for_user(user=request.user, avatar_id=avatar_id)
    except Avatar.DoesNotExist:
        raise Http404("No such avatar") from None


def _turn_or_404(request: HttpRequest, avatar_id: int, turn_id: int) -> Turn:
    try:
        return turn_get_for_user(user=request.user, avatar_id=avatar_id, turn_id=turn_id)
    except Turn.DoesNotExist:
        raise Http404("No such version") from None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"styles": style_list_enabled()})


@login_required
def avatar_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(avatar_list_for_user(user=request.user), 12).get_page(request.GET.get("page"))
    return render(request, "avatars/list.html", {"page": page})


@login_required
def avatar_new(request: HttpRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    form = AvatarCreateForm(
        request.POST or None, request.FILES or None, default_engine=profile.default_engine
    )
    too_large = oversize_refusal(request)
    busy = None
    if too_large and request.method == "POST":
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
            )
        except ApplicationError as exc:
            form.add_error("photo" if exc.code == "bad_image" else None, exc.message)
            busy = exc
        else:
            if _wants_json(request):
                return JsonResponse({"avatar": avatar.pk, "url": _detail_url(avatar)}, status=202)
            return redirect(_detail_url(avatar))
    status = 400 if form.errors else 200
    favourites = set(profile.favourite_styles.values_list("pk", flat=True))
    response = render(
        request, "avatars/new.html", {"form": form, "favourites": favourites}, status=status
    )
    return _with_wait(response, busy)


def _with_wait(response: HttpResponse, exc: ApplicationError | None) -> HttpResponse:
    """A refusal that only asks to wait (too many running avatars) is a 429 with Retry-After."""
    if exc is not None and "retry_after" in exc.extra:
        response.status_code = 429
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def _detail_url(avatar: Avatar) -> str:
    return reverse("avatars:detail", args=[avatar.pk])


@login_required
def avatar_detail(request: HttpRequest, avatar_id: int) -> HttpResponse:
    return _detail_page(request, _avatar_or_404(request, avatar_id))


def _detail_page(
    request: HttpRequest, avatar: Avatar, *, edit_form: EditForm | None = None, status: int = 200
) -> HttpResponse:
    """The avatar page. ``?v=N`` only looks at version N; ``?v=N&edit=1`` also makes it the
    base of the next edit (a new branch). Otherwise the edit starts from the current version."""
    turns = list(turn_list_for_avatar(avatar=avatar))
    by_number = {str(t.number): t for t in turns}
    current = next((t for t in turns if t.pk == avatar.current_turn_id), None)
    shown = by_number.get(request.GET.get("v", ""))
    if shown is None or shown.status != Turn.Status.SUCCEEDED:
        shown = current  # only a finished version can be looked at
    base = shown if request.GET.get("edit") else current
    if edit_form is not None and edit_form.data.get("parent"):
        base = next((t for t in turns if str(t.pk) == edit_form.data["parent"]), base)
    for turn in turns:
        turn.likeness_text = turn_likeness_words(turn)
        turn.words = stage_words(stage=turn.stage, status=turn.status)
        turn.retryable = turn_retryable(turn=turn)
    path = share_path(avatar=avatar)
    open_reports = avatar_open_report_count(avatar=avatar)
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
            "edit_form": edit_form or EditForm(initial={"parent": base.pk if base else None}),
            "snapshot": [turn_snapshot(turn=t) for t in turns],
            "stage_words": {"stages": STAGE_WORDS, "statuses": STATUS_WORDS},
            "takes": take_list_ranked(turns=turns),
            "moderated": avatar.moderation in (Avatar.Moderation.HIDDEN, Avatar.Moderation.REMOVED),
            "share_url": request.build_absolute_uri(path) if path else "",
            "shareable": [t for t in turns if t.status == Turn.Status.SUCCEEDED and t.image],
            "open_reports": open_reports,
            "link_paused": open_reports >= reports_to_hide(),
        },
        status=status,
    )


@login_required
@require_POST
def avatar_share_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    """Share by a new link (the old one dies): the chosen version, or whichever is current."""
    avatar = _avatar_or_404(request, avatar_id)
    turn_id = request.POST.get("turn", "")
    turn = _turn_or_404(request, avatar.pk, int(turn_id)) if turn_id.isdigit() else None
    try:
        avatar_share(avatar=avatar, turn=turn, reel=request.POST.get("reel") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Shared: anyone with the link below can see it.")
    return redirect(f"{_detail_url(avatar)}#share")


@login_required
@require_POST
def avatar_unshare_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = avatar_unshare(avatar=_avatar_or_404(request, avatar_id))
    messages.success(request, "Private again: the link no longer works.")
    return redirect(f"{_detail_url(avatar)}#share")


@login_required
@require_POST
def avatar_edit(request: HttpRequest, avatar_id: int) -> HttpResponse:
    """Queue an edit. A refusal (an edit the engine can only refuse, a busy user) comes back
    on the page, once, under the edit box with what was typed; as JSON it is a 400."""
    avatar = _avatar_or_404(request, avatar_id)
    form = EditForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("Tell us what to change, for example “add round glasses”.")
        parent = None
        if form.cleaned_data["parent"]:
            parent = _turn_or_404(request, avatar.pk, form.cleaned_data["parent"])
        turn = turn_request_edit(
            avatar=avatar, instruction=form.cleaned_data["instruction"], parent=parent
        )
    except ApplicationError as exc:
        if _wants_json(request):
            body = {"detail": exc.message, "code": exc.code}
            return _with_wait(JsonResponse(body, status=400), exc)
        form.errors.clear()
        form.add_error("instruction", exc.message)
        return _with_wait(_detail_page(request, avatar, edit_form=form, status=400), exc)
    if _wants_json(request):
        return JsonResponse(turn_snapshot(turn=turn), status=202)
    return redirect(_detail_url(avatar))


@login_required
@require_POST
def turn_action(request: HttpRequest, avatar_id: int, turn_id: int, action: str) -> HttpResponse:
    turn = _turn_or_404(request, avatar_id, turn_id)
    try:
        if action == "revert":
            turn_revert(avatar=turn.avatar, turn=turn)
            messages.success(request, f"Version {turn.number} is current again.")
        elif action == "cancel":
            turn_cancel(turn=turn)
        elif action == "retry":
            turn_retry(turn=turn)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_detail_url(turn.avatar))


@login_required
def avatar_delete_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = _avatar_or_404(request, avatar_id)
    if request.method == "POST":
        avatar_delete(avatar=avatar)
        messages.success(request, "Avatar deleted, with all its versions and files.")
        return redirect("avatars:list")
    return render(request, "avatars/delete.html", {"avatar": avatar})


@login_required
@require_GET
def avatar_status(request: HttpRequest, avatar_id: int) -> JsonResponse:
    """The same snapshot the websocket sends first: the polling fallback for pages."""
    avatar = _avatar_or_404(request, avatar_id)
    return JsonResponse(
        {
            "type": "snapshot",
            "avatar": avatar.pk,
            "current": avatar.current_turn_id,
            "turns": [turn_snapshot(turn=t) for t in turn_list_for_avatar(avatar=avatar)],
        }
    )


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


def _file_response(field, content_type: str, *, filename: str | None = None) -> FileResponse:
    if not field:
        raise Http404("Not drawn yet")
    response = ServedFile(
        field.open("rb"),
        content_type=content_type,
        as_attachment=filename is not None,
        filename=filename or "",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def avatar_source(request: HttpRequest, avatar_id: int) -> FileResponse:
    avatar = _avatar_or_404(request, avatar_id)
    return _file_response(avatar.source, "image/jpeg")


@login_required
@require_GET
def turn_image(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    turn = _turn_or_404(request, avatar_id, turn_id)
    return _moderation_refusal(turn.avatar) or _file_response(turn.image, "image/png")


@login_required
@require_GET
def turn_thumbnail(request: HttpRequest, avatar_id: int, turn_id: int) -> FileResponse:
    return _file_response(_turn_or_404(request, avatar_id, turn_id).thumbnail, "image/webp")


@login_required
@require_GET
def turn_download(request: HttpRequest, avatar_id: int, turn_id: int, fmt: str) -> HttpResponse:
    turn = _turn_or_404(request, avatar_id, turn_id)
    if fmt not in ("png", "webp") or not turn.image:
        raise Http404("No such download")
    refusal = _moderation_refusal(turn.avatar)
    if refusal:
        return refusal
    name = f"pixme-{turn.avatar.style.slug}-{turn.avatar_id}-v{turn.number}.{fmt}"
    if fmt == "png":
        return _file_response(turn.image, "image/png", filename=name)
    return _file_response(turn_webp(turn=turn), "image/webp", filename=name)
