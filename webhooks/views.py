"""The profile page's Webhooks section: its form posts, and the context it is drawn from.

The profile page (accounts) includes ``webhooks/_profile_section.html`` and merges
``webhook_profile_context(request)`` into its context.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from pixme.errors import ApplicationError
from webhooks.models import Webhook
from webhooks.selectors import RECENT_DELIVERIES, webhook_get_for_user, webhook_list_for_user
from webhooks.services import webhook_create, webhook_delete

NEW_WEBHOOK_KEY = "new_webhook"


def webhook_profile_context(request: HttpRequest) -> dict:
    """The section's context: the user's webhooks with their recent deliveries, and the one
    just made with its secret (shown on this page only: taken out of the session here)."""
    return {
        "webhooks": webhook_list_for_user(user=request.user, recent=RECENT_DELIVERIES),
        "new_webhook": request.session.pop(NEW_WEBHOOK_KEY, None),
    }


def _back() -> HttpResponse:
    return redirect(reverse("profile") + "#webhooks")


@login_required
@require_POST
def webhook_add(request: HttpRequest) -> HttpResponse:
    try:
        webhook = webhook_create(
            owner=request.user,
            url=request.POST.get("url", ""),
            description=request.POST.get("description", "")[:100],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back()
    # Shown once, on the next page only; never put in a URL or a log.
    request.session[NEW_WEBHOOK_KEY] = {
        "id": webhook.pk,
        "url": webhook.url,
        "secret": webhook.secret,
    }
    messages.success(request, "Webhook added. Copy its secret now: it is shown only once.")
    return _back()


@login_required
@require_POST
def webhook_remove(request: HttpRequest, webhook_id: int) -> HttpResponse:
    try:
        webhook = webhook_get_for_user(user=request.user, webhook_id=webhook_id)
    except Webhook.DoesNotExist:
        raise Http404 from None
    webhook_delete(webhook=webhook)
    messages.success(request, "Webhook deleted.")
    return _back()
