"""What apps above ``inspections`` add to an issue's page: links to their own pages about the
issue (e.g. 举一反三 from ``evaluations``). They register in ``AppConfig.ready()``; this layer
only knows the registry (STYLE.md)."""

_issue_links = {}


def register_issue_link(key, build):
    """``build(user, issue)`` returns ``{"label", "url", "testid"}`` or ``None`` (not for this
    person or this issue)."""
    _issue_links[key] = build


def issue_links(user, issue):
    out = []
    for _key, build in sorted(_issue_links.items()):
        link = build(user, issue)
        if link:
            out.append(link)
    return out
