"""Random valid survey waves for property-based tests, generated from any codebook.

A wave is drawn in two steps: hypothesis draws its structure (which size classes are absent,
thin, partly or completely present, how many municipalities and respondents, which
questions nobody answers, how much item non-response), and a seeded random generator fills
in the answers under the codebook's rules:

- routing: a follow-up question is answered only where its condition holds, and always there
  when the codebook requires it;
- multiple response: all option columns filled or none, at most ``max_answers`` ticks, an
  exclusive option alone;
- every cross-question check (``max_sum``) holds, and no estimate column looks like fractions;
- options nobody chose: each question draws its answers from a random subset of its options.

``raw_frame`` is the raw export as text (codebook column order, empty cells as ""), exactly
what ``clean`` reads; ``recompute_share`` derives a share from that raw frame directly, without
the package's cleaning or tables code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from toeleiding.codebook import Codebook, Question

KINDS = ("absent", "thin", "some", "complete")


@dataclass(frozen=True)
class Plan:
    """The structure of a wave, drawn by hypothesis (it shrinks well)."""

    sizes: dict[str, int]  # municipalities per size class
    respondents: int  # how many respondents answered for them
    nonresponse: float  # chance that an optional question is left empty
    unanswered: frozenset[str]  # optional questions nobody answered
    seed: int


@st.composite
def plans(draw, cb: Codebook, min_size: int = 5, max_size: int = 400, thin: str | None = None):
    """A wave's structure for ``cb``: size classes absent, thin, partly or wholly present.

    ``thin`` forces that size class to a single municipality (and the rest to be present).
    """
    sizes = {}
    for code, pop in cb.population.items():
        kind = "thin" if code == thin else draw(st.sampled_from(KINDS), label=f"kind {code}")
        if thin is not None and code != thin and kind in ("absent", "thin"):
            kind = "some"
        n = {"absent": 0, "thin": 1, "complete": pop}.get(kind)
        if n is None:
            n = draw(st.integers(min(2, pop), pop), label=f"n {code}")
        sizes[code] = min(n, pop)
    total = sum(sizes.values())
    if total < min_size:  # the largest class makes up the difference
        big = max(cb.population, key=cb.population.get)
        if big != thin:
            sizes[big] = min(cb.population[big], sizes[big] + min_size - total)
    while sum(sizes.values()) > max_size:
        big = max(sizes, key=sizes.get)
        sizes[big] -= sum(sizes.values()) - max_size
    n = sum(sizes.values())
    respondents = draw(st.integers(1, n), label="respondents")
    optional = sorted(q.id for q in cb.questions if not q.required)
    unanswered = draw(st.frozensets(st.sampled_from(optional), max_size=3), label="unanswered")
    nonresponse = draw(st.sampled_from([0.0, 0.05, 0.3]), label="nonresponse")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    return Plan(sizes, respondents, nonresponse, unanswered, seed)


def _options_used(rng: np.random.Generator, q: Question) -> list[int]:
    """A random non-empty subset of the codes: the options anybody chose."""
    codes = list(q.codes)
    k = int(rng.integers(1, len(codes) + 1))
    return sorted(rng.choice(codes, size=k, replace=False).tolist())


def raw_frame(cb: Codebook, plan: Plan) -> pd.DataFrame:
    """The raw export of a valid wave following ``plan`` (all cells text, "" when empty)."""
    rng = np.random.default_rng(plan.seed)
    resp_col, muni_col, size_col = cb.id_columns
    classes = [code for code, n in plan.sizes.items() for _ in range(n)]
    n = len(classes)
    # Respondents: every respondent answers for at least one municipality, some for several,
    # also across size classes.
    who = np.concatenate(
        [np.arange(plan.respondents), rng.integers(0, plan.respondents, n - plan.respondents)]
    )
    rng.shuffle(who)
    out: dict[str, list] = {
        resp_col: [f"R{w:04d}" for w in who],
        muni_col: [f"GM{i:04d}" for i in rng.permutation(9000)[:n] + 1000],
        size_col: classes,
    }
    values: dict[str, np.ndarray] = {}  # numeric value per column (NaN = empty)
    for q in cb.questions:
        if q.routing is None:
            asked = np.ones(n, dtype=bool)
        else:
            r = q.routing
            if r.option is not None:
                asked = values[f"{r.question}_{r.option}"] == 1
            else:
                asked = np.isin(values[r.question], r.codes)
        if q.id in plan.unanswered:
            answered = np.zeros(n, dtype=bool)
        elif q.required:
            answered = asked.copy()
        else:
            answered = asked & (rng.random(n) >= plan.nonresponse)
        if q.type in ("single", "likert5"):
            used = _options_used(rng, q)
            v = rng.choice(used, size=n).astype(float)
            values[q.id] = np.where(answered, v, np.nan)
        elif q.type == "multi":
            used = _options_used(rng, q)
            ticks = np.zeros((n, len(q.codes)))
            for i in np.flatnonzero(answered):
                k = int(rng.integers(0, min(len(used), q.max_answers or len(used)) + 1))
                chosen = list(rng.choice(used, size=k, replace=False))
                exclusive = [c for c in chosen if c in q.exclusive]
                if exclusive:
                    chosen = exclusive[:1]
                for c in chosen:
                    ticks[i, q.codes.index(c)] = 1
            for j, code in enumerate(q.codes):
                values[f"{q.id}_{code}"] = np.where(answered, ticks[:, j], np.nan)
        elif q.type == "estimate":
            v = rng.integers(0, 101, size=n).astype(float)
            decimals = rng.random(n) < 0.2
            v[decimals] = np.minimum(100, v[decimals] + rng.integers(1, 10, decimals.sum()) / 10)
            values[q.id] = np.where(answered, v, np.nan)
        elif q.type == "count":
            values[q.id] = np.where(answered, rng.integers(0, 60, size=n).astype(float), np.nan)
        else:  # open text: short words, never a long answer (those are secrets)
            words = np.array(["nvt", "taal", "werk", "sport", "geen"])
            values[q.id] = np.where(answered, rng.integers(0, len(words), size=n), np.nan)
            out[q.id] = [words[int(x)] if x == x else "" for x in values[q.id]]
    for chk in cb.checks:  # e.g. two outflow estimates that cannot exceed 100 together
        if chk.type == "max_sum":
            total = np.zeros(n)
            for qid in chk.questions:
                v = values[qid]
                room = np.maximum(chk.max - total, 0)
                values[qid] = np.where(np.isnan(v), v, np.minimum(v, room))
                total += np.nan_to_num(values[qid])
    for q in cb.questions:
        if q.type == "estimate":
            v = values[q.id]
            if np.nanmax(v, initial=0) <= 1:  # all at most 1 would read as fractions (I01)
                values[q.id] = np.floor(v)
    for q in cb.questions:
        if q.type == "open_text":
            continue
        for c in q.columns:
            out[c] = [_text(x) for x in values[c]]
    return pd.DataFrame(out, columns=cb.columns)


def _text(x: float) -> str:
    if x != x:  # NaN: empty
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _answered(raw: pd.DataFrame, q: Question) -> pd.Series:
    return (raw[list(q.columns)] != "").all(axis=1)


def recompute_share(raw: pd.DataFrame, q: Question, keys: set[str]) -> tuple[int, int]:
    """(municipalities with one of the option ``keys``, those that answered) from raw text."""
    codes = {str(o.code) for o in q.options if o.key in keys}
    ok = _answered(raw, q)
    if q.type == "multi":
        hit = (raw[[f"{q.id}_{c}" for c in codes]] == "1").any(axis=1)
    else:
        hit = raw[q.id].isin(codes)
    return int((hit & ok).sum()), int(ok.sum())


def recompute_weighted_share(
    raw: pd.DataFrame, cb: Codebook, q: Question, keys: set[str]
) -> float | None:
    """The post-stratified share (weights N/n per size class), when every class took part."""
    size = raw[cb.id_columns[2]]
    n_h = size.value_counts()
    if set(n_h.index) != set(cb.population):
        return None  # a class without participants: its municipalities go to a neighbour
    w = size.map(lambda h: cb.population[h] / n_h[h])
    codes = {str(o.code) for o in q.options if o.key in keys}
    ok = _answered(raw, q)
    if not ok.any():
        return None
    if q.type == "multi":
        hit = (raw[[f"{q.id}_{c}" for c in codes]] == "1").any(axis=1)
    else:
        hit = raw[q.id].isin(codes)
    return float((w * hit)[ok].sum() / w[ok].sum())
