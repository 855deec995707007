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


# What waits for a person, counted by the apps that own it (``fn(user) → int``), summed into the
# badge on 我的待办 in the navigation (loaded after the page, cached briefly: never on the page's
# own query budget).
_counts = {}


def register_count(key, count):
    _counts[key] = count


def todo_count(user):
    return sum(count(user) for count in _counts.values())
