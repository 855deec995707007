"""What every app's pages share: a refusal or notice as a page of its own."""

from django.shortcuts import render


def link(url, label, *, primary=False):
    """A way back from a message page."""
    return {"url": url, "label": label, "primary": primary}


def message_page(request, *, status, alert, links=()):
    """``alert``: ``level`` (the colour: danger, warning…), ``title`` and ``message``; ``links``:
    the ways back (:func:`link`), the page's own first."""
    return render(request, "message.html", {"alert": alert, "links": list(links)}, status=status)
