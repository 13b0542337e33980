"""Strict readers for settings from the environment: a bad value stops start-up with a clear
error instead of silently becoming a default. Only ``pixme/settings.py`` uses these."""

from __future__ import annotations

import ipaddress
import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (an unknown word stops start-up, naming them)."""
    raw = os.environ.get(name, "").strip() or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str | None:
    """A DRF throttle rate such as ``10/min``; ``off`` (or ``0``) means no limit (None)."""
    raw = os.environ.get(name, "").strip() or default
    if raw.lower() in {"off", "0", "none"}:
        return None
    if not _RATE.match(raw):
        raise ImproperlyConfigured(f"{name} must be a rate like 10/min, or off; got {raw!r}")
    return raw


def env_trusted_proxies(name: str) -> int | list[str]:
    """Who may say which address a request came from (``pixme.client_address``): nothing
    (0, unset), a count of proxies in front (``1``), or networks (``10.0.0.0/8,127.0.0.1``)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return 0
    if re.fullmatch(r"[0-9]+", raw):
        return int(raw)
    networks = [item.strip() for item in raw.split(",") if item.strip()]
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a number of proxies, or addresses and networks such as "
                f"10.0.0.0/8 separated by commas; {network!r} is neither"
            ) from None
    return networks


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or networks (``10.0.0.0/8,127.0.0.1``); empty means none."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an address or network") from None
    return networks
