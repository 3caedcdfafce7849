"""Where the AI server is: the default URL, the environment variables that override it, and
whether an address is this computer. The one loopback test, shared by the add-on (whether
online access is needed, whether Start Server can run, no proxy for a local server) and the
AI server (whether a token is required). Standard library only, so the server imports it
without Blender or requests."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

DEFAULT_URL = "http://127.0.0.1:8765"
URL_ENV = "AURA_SERVER_URL"
TOKEN_ENV = "AURA_SERVER_TOKEN"


def default_url() -> str:
    return os.environ.get(URL_ENV) or DEFAULT_URL


def is_loopback_host(host: str) -> bool:
    """'localhost', 127.0.0.0/8 or ::1 (brackets allowed); any other name or address: False."""
    host = (host or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")
