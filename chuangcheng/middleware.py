"""Chinese first: the interface is zh-hans unless the person chose English with the switch.

Browsers on office PCs often send ``Accept-Language: en-US``; the product's language should
not depend on how a PC was installed. The switch sets the language cookie, which still wins.
A program calling the API with a token (an ``Authorization`` header) says what it reads on
purpose: its ``Accept-Language`` is kept (the pages' own calls carry the session, not a token).
"""

from django.utils.cache import patch_vary_headers


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (request.path.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION")):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """A request body over ``MAX_REQUEST_MB`` is answered 413 (a Chinese page, or JSON under
    /api/) before anything reads it. Django caps form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``)
    but not uploaded files; the reverse proxy's ``client_max_body_size`` should be the same
    (docs/deployment.md), this is the application's own guard behind it."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.limit_mb = getattr(settings, "MAX_REQUEST_MB", 100)

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit_mb * 1024 * 1024:
            from .errors import too_large

            return too_large(request, self.limit_mb)
        return self.get_response(request)


class VaryOnHtmxMiddleware:
    """A page answers htmx's requests with a fragment (``request.htmx``: the list's results, a
    form's body) and the browser's own with the whole page, at the same address: the response
    says ``Vary: HX-Request``, so the browser never shows a kept fragment as the page (back
    after opening an issue from a filtered list did)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD"):
            patch_vary_headers(response, ("HX-Request",))
        return response
