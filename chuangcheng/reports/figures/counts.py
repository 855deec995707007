"""The counts of one unit, region or scope over a period, and the rates derived from them.

Counts are additive (a total is the sum of its parts); rates are recomputed from the summed
counts, never averaged. A rate whose base is zero is ``None`` (printed "—"), never 0 or 100.
"""

from dataclasses import dataclass, fields


def pct(part, whole):
    """``part / whole`` in percent, two decimals (the precision every output prints)."""
    return round(100 * part / whole, 2) if whole else None


@dataclass
class Figures:
    issues_reported: int = 0
    issues_assigned: int = 0
    issues_closed: int = 0
    issues_due: int = 0
    issues_due_closed: int = 0
    issues_closed_on_time: int = 0
    issues_in_hand: int = 0
    issues_open: int = 0
    issues_overdue_open: int = 0
    issues_overdue_key: int = 0
    issues_negative_list: int = 0
    verifications: int = 0
    rejections: int = 0
    recurrences: int = 0
    extensions: int = 0
    refused_reassignments: int = 0
    integrity_flags: int = 0
    close_seconds: float = 0.0
    tasks_due: int = 0
    tasks_done: int = 0
    tasks_done_on_time: int = 0
    tasks_overdue: int = 0
    tasks_in_progress: int = 0
    tasks_lagging: int = 0

    @classmethod
    def total(cls, items):
        """The sum of ``items`` (Figures), column by column at C speed: a figure set sums
        tens of thousands of cells."""
        items = list(items)
        if not items:
            return cls()
        total = object.__new__(cls)
        names = list(items[0].__dict__)
        columns = zip(*(f.__dict__.values() for f in items), strict=True)
        total.__dict__ = dict(zip(names, map(sum, columns), strict=True))
        return total

    def __add__(self, other):
        # Field by field, without the dataclass machinery: a figure set adds thousands of cells.
        total = object.__new__(Figures)
        theirs = other.__dict__
        total.__dict__ = {name: mine + theirs[name] for name, mine in self.__dict__.items()}
        return total

    @property
    def on_time_rate(self):
        """按期销号率."""
        return pct(self.issues_closed_on_time, self.issues_due)

    @property
    def closure_rate(self):
        """销号率."""
        return pct(self.issues_due_closed, self.issues_due)

    @property
    def not_overdue_rate(self):
        """在办问题未超期率."""
        return pct(self.issues_in_hand - self.issues_overdue_open, self.issues_in_hand)

    @property
    def rework_rate(self):
        """返工率."""
        return pct(self.rejections, self.verifications)

    @property
    def first_pass_rate(self):
        """核查一次通过率 = 100 − 返工率."""
        return None if self.rework_rate is None else round(100 - self.rework_rate, 2)

    @property
    def extension_rate(self):
        """延期率 = extensions granted ÷ issues assigned."""
        return pct(self.extensions, self.issues_assigned)

    @property
    def mean_hours_to_close(self):
        return round(self.close_seconds / 3600 / self.issues_closed, 1) if self.issues_closed else None

    @property
    def task_on_time_rate(self):
        """任务按期完成率."""
        return pct(self.tasks_done_on_time, self.tasks_due)

    @property
    def task_on_track_rate(self):
        """任务进度达标率."""
        return pct(self.tasks_in_progress - self.tasks_lagging, self.tasks_in_progress)

    @property
    def has_activity(self):
        return any(getattr(self, f.name) for f in fields(self))

    RATES = (
        "on_time_rate",
        "closure_rate",
        "not_overdue_rate",
        "rework_rate",
        "first_pass_rate",
        "extension_rate",
        "mean_hours_to_close",
        "task_on_time_rate",
        "task_on_track_rate",
    )

    def as_dict(self):
        out = dict(self.__dict__)  # the fields, all numbers: no deep copy (asdict) needed
        out["close_seconds"] = round(out["close_seconds"], 1)
        out.update({name: getattr(self, name) for name in self.RATES})
        return out
