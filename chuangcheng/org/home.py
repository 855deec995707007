"""Panels other apps add to the home page (registered in their ``AppConfig.ready()``): org sits
at the bottom of the layers and must not import them (STYLE.md), so the home view only asks
this registry. A panel is ``fn(request) → {"template": …, **context}`` or ``None`` (nothing to
show this person)."""

_panels = {}


def register_panel(key, build):
    _panels[key] = build


def panels(request):
    out = []
    for key, build in _panels.items():
        panel = build(request)
        if panel is not None:
            out.append({"key": key, **panel})
    return out
