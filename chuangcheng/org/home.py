"""Panels other apps add to the home page (registered in their ``AppConfig.ready()``): org sits
at the bottom of the layers and must not import them (STYLE.md), so the home view only asks
this registry. A panel is ``fn(request) → {"template": …, **context}`` or ``None`` (nothing to
show this person)."""

from dataclasses import dataclass

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


# What waits for a person, counted by the apps that own it: ``fn(user) → [Attention]``, one line
# each — the home page's 需要我处理 card lists them, and the badge on 我的待办 in the navigation
# is their sum (both loaded after the page, cached briefly: never on the page's own query budget).
@dataclass(frozen=True)
class Attention:
    key: str
    label: str
    count: int
    url: str  # the list (or 我的待办) that shows these items
    tone: str = "secondary"  # danger, warning, primary, secondary


_attention = {}


def register_attention(key, lines):
    _attention[key] = lines


def attention(user):
    return [line for lines in _attention.values() for line in lines(user)]


def todo_count(user):
    return sum(line.count for line in attention(user))
