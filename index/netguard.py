"""Which addresses the server may fetch from: public ones only, unless the person running it
allows their own network. Each URL's host is resolved once and the request goes to the
address that was checked, so a second DNS answer cannot swap in a private one."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]  # (host, port) -> IP addresses, as text

ALLOW_HINT = "pass --allow-private (or NEWSQA_ALLOW_PRIVATE=1) to fetch from your own network"


class Refused(Exception):
    """A URL the server will not fetch; the message says why, in one line."""


def system_resolver(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise Refused(f"the host {host} cannot be resolved ({e})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def why_private(address: str) -> str | None:
    """What kind of non-public address this is ("loopback", "private"...), or None for a
    public one. IPv4 addresses inside IPv6 (mapped, 6to4, Teredo) are judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return why_private(str(inner)) or ("a tunnel" if not ip.ipv4_mapped else None)
    for kind, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return kind
    return None if ip.is_global else "reserved"


@dataclass(frozen=True)
class Target:
    """Where a URL's request goes: `address` was checked; `host` is for the Host header and
    the TLS server name."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    def connect_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if ":" in self.address else self.address
        path = parts.path or "/"
        return f"{self.scheme}://{literal}:{self.port}{path}" + \
            (f"?{parts.query}" if parts.query else "")

    def host_header(self) -> str:
        """The Host header: the host, with its port when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal
        return host if self.port == (443 if self.scheme == "https" else 80) else \
            f"{host}:{self.port}"

    def extensions(self) -> dict:
        """httpx request extensions: the TLS server name is the host, not the address."""
        return {"sni_hostname": self.host} if self.scheme == "https" else {}


def target(url: str, *, allow_private: bool = False,
           resolver: Resolver = system_resolver) -> Target:
    """The checked Target of an http(s) URL, or Refused: another scheme, no host, a host
    that does not resolve, or (unless allowed) one that resolves to a non-public address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise Refused(f"not a valid URL ({e})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise Refused("not an http(s) URL")
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # a literal address: nothing to resolve
        verb = "is"
    except ValueError:
        addresses, verb = resolver(host, port), "resolves to"
    if not addresses:
        raise Refused(f"the host {host} cannot be resolved")
    if not allow_private:
        for address in addresses:
            kind = why_private(address)
            if kind:
                raise Refused(f"{host} {verb} a {kind} address ({address}); {ALLOW_HINT}")
    return Target(url, scheme, host, port, addresses[0])
