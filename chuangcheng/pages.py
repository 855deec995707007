"""What every app's pages share: a refusal or notice as a page of its own."""

from urllib.parse import urlsplit

from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme


def link(url, label, *, primary=False):
    """A way back from a message page."""
    return {"url": url, "label": label, "primary": primary}


def message_page(request, *, status, alert, links=()):
    """``alert``: ``level`` (the colour: danger, warning…), ``title`` and ``message``; ``links``:
    the ways back (:func:`link`), the page's own first."""
    return render(request, "message.html", {"alert": alert, "links": list(links)}, status=status)


def language_next(request):
    """Context processor: where the language switch comes back to (``language_next``). A GET
    page: itself. A page that answered a form (a refused action re-shown at its POST-only
    address, which a GET would answer with 405): the page the form was on — the Referer, unless
    that is this same address (a second refusal, sent from the first), then the object the action
    belongs to (``/tasks/101/decompose/`` → ``/tasks/101/``), else the home page."""
    return {"language_next": SimpleLazyObject(lambda: _back_to(request))}


def _back_to(request):
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        if urlsplit(referer).path != request.path:
            return referer
    parent = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
    try:
        resolve(parent)
    except Resolver404:
        return "/"
    return parent
