"""Chinese first: the interface is zh-hans unless the person chose English with the switch.

Browsers on office PCs often send ``Accept-Language: en-US``; the product's language should
not depend on how a PC was installed. The switch sets the language cookie, which still wins.
"""


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
