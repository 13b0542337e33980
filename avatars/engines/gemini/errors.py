"""Every way a Gemini call fails, as the typed engine errors a user reads: busy (with the
server's own delay), unavailable, declined, a setup fault (the key never in a message), a
withdrawn model."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from django.conf import settings

from avatars.engines.base import BadRequest, Misconfigured, RateLimited, Unavailable
from avatars.engines.gemini import model_table as gemini_models

logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 10.0

BLOCKED_MESSAGE = "The model declined this request; try rephrasing it."
BUSY_MESSAGE = "Gemini is busy right now; try again in {n} seconds."
TROUBLE_MESSAGE = "Gemini is having trouble right now."
TIMEOUT_MESSAGE = "Gemini took too long to answer."
UNREACHABLE_MESSAGE = "Gemini can't be reached right now."
MISCONFIGURED_MESSAGE = (
    "Gemini isn't set up correctly on this server; an administrator has been told."
)


def redact(text: Any) -> str:
    text = str(text)
    key = settings.GEMINI_API_KEY
    if key:
        text = text.replace(key, "***")
    return text


def _error_body(exc) -> dict:
    details = getattr(exc, "details", None)
    if isinstance(details, list) and details:
        details = details[0]
    if isinstance(details, dict):
        return details.get("error", details) if isinstance(details.get("error"), dict) else details
    return {}


def _retry_delay(exc) -> float:
    for item in _error_body(exc).get("details") or []:
        if isinstance(item, dict) and "retryDelay" in item:
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s?\s*", str(item["retryDelay"]))
            if match:
                return float(match.group(1))
    return DEFAULT_RETRY_AFTER


def _key_problem(exc) -> bool:
    body = _error_body(exc)
    reasons = {
        str(item.get("reason", "")) for item in body.get("details") or [] if isinstance(item, dict)
    }
    message = str(body.get("message") or getattr(exc, "message", "") or "")
    return "API_KEY_INVALID" in reasons or "api key" in message.lower()


def engine_error(exc, model: str, offered: list[str]) -> Exception:
    from google.genai import errors

    code = getattr(exc, "code", None) or 0
    status = getattr(exc, "status", None) or ""
    readable = redact(getattr(exc, "message", None) or status or "")
    detail = redact(f"{model}: {code} {status} {readable}")
    if isinstance(exc, errors.ServerError) or code >= 500:
        return Unavailable(TROUBLE_MESSAGE, detail=detail)
    if code == 429:
        delay = _retry_delay(exc)
        return RateLimited(
            BUSY_MESSAGE.format(n=math.ceil(delay)), retry_after=delay, detail=detail
        )
    if code in (401, 403) or (code == 400 and _key_problem(exc)):
        logger.error("Gemini refused our credentials or access: %s", detail)
        return Misconfigured(MISCONFIGURED_MESSAGE, detail=detail)
    if code == 404 or status == "NOT_FOUND" or gemini_models.GONE_WORDS.search(readable):
        return gemini_models.model_gone(model, offered, detail)  # one request: not retried
    if code == 408:
        return Unavailable(TIMEOUT_MESSAGE, detail=detail)
    reason = readable.rstrip(".") or "the request was not accepted"
    return BadRequest(f"Gemini couldn't do this: {reason}.", detail=detail)
