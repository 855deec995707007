"""Drawing a round's sites the way the national evaluators do: per district, per 点位 type, a
quota of sites at random — reproducibly.

Each (district, type) group is drawn with its own generator seeded by ``"{seed}:{district}:{type}"``
from the group's sites in id order, so the same seed draws the same sites, and a site added in one
district does not change what another district draws.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    site_id: int
    district_id: int
    site_type: str


@dataclass(frozen=True)
class Shortfall:
    district_id: int
    site_type: str
    wanted: int
    available: int


def draw(candidates, quotas, seed):
    """``candidates``: :class:`Candidate` s; ``quotas``: ``{site_type: n}`` per district.
    Returns ``(picked, shortfalls)``: picked candidates in (district, type, draw) order, and the
    groups that had fewer sites than the quota (all of those sites are taken)."""
    groups = {}
    for c in candidates:
        groups.setdefault((c.district_id, c.site_type), []).append(c)
    districts = sorted({c.district_id for c in candidates})
    picked, shortfalls = [], []
    for district_id in districts:
        for site_type in sorted(quotas):
            wanted = int(quotas[site_type] or 0)
            if wanted <= 0:
                continue
            pool = sorted(groups.get((district_id, site_type), []), key=lambda c: c.site_id)
            if len(pool) < wanted:
                shortfalls.append(Shortfall(district_id, site_type, wanted, len(pool)))
            rng = random.Random(f"{seed}:{district_id}:{site_type}")
            picked.extend(rng.sample(pool, min(wanted, len(pool))))
    return picked, shortfalls
