"""A followed question's webhook: each event POSTed as JSON, to a public address only
unless the person running newsqa allows their own network (the rules of `newsqa add`)."""

from __future__ import annotations

from index.netguard import Refused, target
from qa.errors import BadQuestion

USER_AGENT = "newsqa webhook"


class WebhookError(Exception):
    """An event could not be posted; it is tried again after the next update."""


def checked_webhook(url: str, *, allow_private: bool = False) -> str:
    """The webhook URL, or BadQuestion saying why it will not be posted to."""
    try:
        target(url, allow_private=allow_private)
    except Refused as e:
        raise BadQuestion(f"The webhook {url} cannot be used: {e}.") from None
    return url


def post_json(url: str, body: dict, *, allow_private: bool, timeout: float) -> None:
    """POST `body` as JSON to the checked address of `url` (no redirects followed)."""
    import httpx

    try:
        hop = target(url, allow_private=allow_private)
        with httpx.Client(timeout=timeout) as client:
            response = client.post(hop.connect_url(), json=body, extensions=hop.extensions(),
                                   headers={"User-Agent": USER_AGENT,
                                            "Host": hop.host_header()})
    except Refused as e:
        raise WebhookError(f"{url}: {e}") from None
    except httpx.HTTPError as e:
        raise WebhookError(f"{url}: cannot be reached ({e.__class__.__name__}: {e})") from None
    if response.status_code >= 300:
        raise WebhookError(f"{url}: answered {response.status_code}")
