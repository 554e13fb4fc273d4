"""Hosts: matching a host against a site's allowed entries, and telling a private host."""

from __future__ import annotations

import re
import socket

from ecoaudit.net.urls import is_private_address


def host_matches(netloc: str, allowed: list[str]) -> bool:
    """Whether host[:port] `netloc` matches an allowed entry ("host", "host:port" or "*.host").

    An entry without a port matches the host on any port; an entry with a port only that port.
    """
    hostname = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    for entry in allowed:
        candidate = netloc if _has_port(entry) else hostname
        if entry.startswith("*."):
            bare = entry[2:]
            if candidate == bare or candidate.endswith("." + bare):
                return True
        elif candidate == entry:
            return True
    return False


def _has_port(entry: str) -> bool:
    return bool(re.search(r":\d+$", entry)) and not entry.endswith("]")


def host_is_private(hostname: str) -> bool:
    """Whether a host is local or private (localhost, a private IP, or private DNS answers)."""
    hostname = hostname.strip("[]").lower()
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return is_private_address(hostname)
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {str(answer[4][0]).split("%")[0] for answer in answers}
    return bool(addresses) and all(is_private_address(address) for address in addresses)
