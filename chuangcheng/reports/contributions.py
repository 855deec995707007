"""What the apps above the reports layer add to the figures, the dashboard and the briefings.

``dossiers`` (材料完成率) and ``accountability`` (约谈、问责、表扬, their deductions) read issues,
tasks and briefings, so they sit above ``reports`` and ``reports`` must not import them
(STYLE.md: a lower layer only knows a registry). Each registers here in its
``AppConfig.ready()``; the figures, the dashboard and the briefing builder ask this module.

Four kinds of contribution:

- a **dashboard figure** — one number for a scope, shown among the overview's headline figures
  with its printed definition;
- a **briefing section** — JSON-ready tables snapshotted into a briefing's content for the
  kinds it belongs to, printed the same way on the page, in the PDF and in the .docx;
- a **measure** — a measured point loss per indicator (模拟测评), shown in 短板 beside the
  projection;
- **ranking deductions** — points taken off a unit's 综合得分 for a period, each item printed
  under the ranking so the score can be recomputed by hand.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

_figures = {}
_sections = {}
_deductions = {}
_measures = {}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # "%" or ""
    higher_better: bool
    definition: object  # callable → {"label", "formula", "counts", "period"}
    compute: object  # callable(campaign, scope) → number or None; scope: a Region or None


@dataclass(frozen=True)
class Section:
    key: str
    title: object  # lazy text
    kinds: tuple
    build: object  # callable(campaign, region, start, end) → {"tables": [...], "note": str}
    order: int = 100


def register_figure(key, *, label, compute, definition, unit="", higher_better=True):
    _figures[key] = Figure(key, label, unit, higher_better, definition, compute)


def register_section(key, *, title, build, kinds=("weekly", "monthly"), order=100):
    """``build(campaign, region, start, end)`` returns ``{"tables": [{"caption", "headers",
    "rows"}], "note": ""}`` (JSON-ready; rows of plain values) — or ``None`` to leave the
    section out of that briefing."""
    _sections[key] = Section(key, title, tuple(kinds), build, order)


def register_deductions(key, details):
    """``details(campaign, start, end)`` returns ``{unit_id: [{"label", "date", "points", …}]}``."""
    _deductions[key] = details


@dataclass(frozen=True)
class Measure:
    key: str
    compute: object  # callable(campaign, scope) → {"label", "definition", "losses": {indicator_id: Decimal}} or None


def register_measure(key, compute):
    """A measured point loss per indicator for 短板 (beside the open-issue projection), e.g. the
    latest 模拟测评 round's. ``compute(campaign, scope)``: scope is a Region or None (the city)."""
    _measures[key] = Measure(key, compute)


def measures(campaign, scope):
    """Every registered measure for the scope: ``[{"key", "label", "definition", "losses"}]``."""
    out = []
    for key, measure in sorted(_measures.items()):
        built = measure.compute(campaign, scope)
        if built:
            out.append({"key": key, **built})
    return out


def figures():
    return list(_figures.values())


def sections_for(kind):
    return sorted((s for s in _sections.values() if kind in s.kinds), key=lambda s: (s.order, s.key))


def deduction_items(campaign, start, end):
    """``{unit_id: [item]}`` of every registered source, each item with its ``points``."""
    out = {}
    for key, details in sorted(_deductions.items()):
        for unit_id, items in details(campaign, start, end).items():
            out.setdefault(unit_id, []).extend({**item, "source": item.get("source", key)} for item in items)
    return out


def briefing_sections(campaign, kind, region, start, end):
    """The contributed sections of a ``kind`` briefing, built now (for the snapshot)."""
    out = []
    for section in sections_for(kind):
        built = section.build(campaign, region, start, end)
        if built is None:
            continue
        out.append({"key": section.key, "title": str(section.title), "note": "", "tables": [], **built})
    return out


def phrase(msgid, **params):
    """One sentence of a contributed section as ``[msgid, params]``: the builder stores its text
    (written in Chinese when the briefing is built) and these parts, so a reader in another
    language gets it worded again from the catalogue. ``msgid`` is marked with ``gettext_noop``;
    ``params`` are JSON values (numbers as text, names)."""
    return [str(msgid), params]


def phrase_text(parts, separator=" "):
    """The text of :func:`phrase` parts in the active language."""
    return separator.join(gettext(msgid) % params if params else gettext(msgid) for msgid, params in parts)


def section_title(key, stored):
    """A contributed section's heading in the reader's language: the registered title, or the
    one stored with the briefing when the section is no longer registered."""
    section = _sections.get(key)
    return str(section.title) if section is not None else stored
