"""Deterministic synthetic survey waves, calibrated to the published figures.

The municipal microdata of the monitor are not public. This module writes, per wave, a file
that looks like the survey tool's export (one row per responding municipality, columns named by
question id, coded answers, 0/1 columns for multiple response, empty cells for item
non-response) and whose recomputed percentages round to the printed ones.

How a wave is made
------------------
1. The frame: the responding municipalities per size class and the respondents who answered for
   them (in 2018, 168 respondents for 282 municipalities; G4 cities answer alone, regional
   centres and small municipalities sometimes answer for their neighbours).
2. A latent engagement per municipality: a size-class effect, a shared respondent effect (the
   clustering) and noise. Answers follow it with a question-specific loading, so that larger
   municipalities use more measures and answers of one respondent look alike.
3. Per question, the whole counts per answer are solved from the targets (``calibration``),
   then handed out along the latent order. Multiple response is built as a 0/1 matrix with the
   solved column sums and row sums that respect the maximum number of answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calibration import CalibrationError, solve_multi, solve_single
from .codebook import Codebook, Question

SIZE_BONUS = {"G4": 1.2, "G40": 0.7, "overig": 0.0}
SIZE_ORDER = ("G4", "G40", "overig")

# Short phrases for the open answers. They paraphrase the kinds of answer the 2018 report lists;
# they are synthetic and never attributed to a real municipality.
OPEN_TEXT = {
    "aanbod_anders": [
        "Sportactiviteiten voor nieuwkomers",
        "Voorlichting over gezondheid",
        "Creatieve workshops",
        "Vervoer tijdens de inburgering",
        "Een kennismakingsdag",
        "Werkgevers motiveren om statushouders aan te nemen",
    ],
    "partner_activiteiten_namelijk": [
        "Vrijwilligerswerk via de vrijwilligerscentrale",
        "Taalstage bij een zorgorganisatie",
        "Laagdrempelig sporten in de buurt",
        "Activering via het buurthuis",
        "Werkervaringsplek bij de gemeente zelf",
    ],
}


def _frame(wave: int, sample: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Return municipalities with size class and respondent, in a shuffled, id-sorted order."""
    munis = sample["municipalities"]
    led = sample["respondents_led_by"]
    if sum(led.values()) != sample["respondents"]:
        raise CalibrationError("respondents_led_by does not add up to respondents")
    sizes: list[str] = []
    resp: list[int] = []
    next_resp = 0
    shared_pool: list[int] = []  # respondents that may also answer for small neighbours
    for size in SIZE_ORDER:
        k, r = munis.get(size, 0), led.get(size, 0)
        if r > k:
            raise CalibrationError(f"more respondents than municipalities in {size}")
        ids = list(range(next_resp, next_resp + r))
        next_resp += r
        sizes += [size] * r
        resp += ids
        if size != "G4":  # the four large cities answer for themselves only
            shared_pool += ids
        extra = k - r
        if extra:
            if size != "overig":
                raise CalibrationError(f"every {size} municipality leads its own response")
            sizes += [size] * extra
            resp += list(rng.choice(shared_pool, size=extra, replace=True))
    frame = pd.DataFrame({"size": sizes, "resp": resp})
    order = rng.permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    resp_order = {r: i for i, r in enumerate(pd.unique(frame["resp"]))}
    yy = wave % 100
    frame["gemeente_id"] = [f"SG{yy:02d}-{i + 1:03d}" for i in range(len(frame))]
    frame["respondent_id"] = [f"SR{yy:02d}-{resp_order[r] + 1:03d}" for r in frame["resp"]]
    n_resp = len(resp_order)
    resp_effect = rng.normal(0.0, 0.6, size=n_resp)
    frame["latent"] = (
        frame["size"].map(SIZE_BONUS).to_numpy()
        + resp_effect[[resp_order[r] for r in frame["resp"]]]
        + rng.normal(0.0, 0.7, size=len(frame))
    )
    return frame


class _Wave:
    """State while one wave is generated: the frame and the answers so far."""

    def __init__(self, cb: Codebook, calibration: dict, seed: int) -> None:
        self.cb = cb
        self.cal = calibration
        self.rng = np.random.default_rng([int(seed), int(cb.wave)])
        self.frame = _frame(cb.wave, calibration["sample"], self.rng)
        self.n = len(self.frame)
        self.large = self.frame["size"].isin(["G4", "G40"]).to_numpy().astype(float)
        self.values: dict[str, np.ndarray] = {}  # column -> float array with NaN as missing
        self.answered: dict[str, np.ndarray] = {}  # question id -> bool mask
        self.block_masks: dict[str, np.ndarray] = {}

    # -- helpers ---------------------------------------------------------------------------
    def spec(self, q: Question) -> dict:
        try:
            return self.cal["questions"][q.id] or {}
        except KeyError:
            raise CalibrationError(
                f"wave {self.cb.wave}: no calibration entry for question {q.id}"
            ) from None

    def eligible(self, q: Question) -> np.ndarray:
        if q.routing is None:
            return np.ones(self.n, dtype=bool)
        parent = self.cb[q.routing.question]
        if q.routing.option is not None:
            col = self.values[f"{parent.id}_{q.routing.option}"]
            return col == 1
        return np.isin(self.values[parent.id], q.routing.codes)

    def choose_answered(self, q: Question, n: int, eligible: np.ndarray) -> np.ndarray:
        k = int(eligible.sum())
        if n > k:
            raise CalibrationError(
                f"wave {self.cb.wave}: {q.id} needs {n} answers but only {k} municipalities "
                f"are routed to it"
            )
        if q.required and n != k:
            raise CalibrationError(
                f"wave {self.cb.wave}: {q.id} is required when asked, so its n must be {k}"
            )
        if q.block and q.block in self.block_masks and self.block_masks[q.block].sum() == n:
            return self.block_masks[q.block] & eligible
        idx = np.flatnonzero(eligible)
        chosen = self.rng.choice(idx, size=n, replace=False)
        mask = np.zeros(self.n, dtype=bool)
        mask[chosen] = True
        if q.block:
            self.block_masks.setdefault(q.block, mask)
        return mask

    def score(self, spec: dict, mask: np.ndarray) -> np.ndarray:
        loading = float(spec.get("loading", 0.6))
        size_effect = float(spec.get("size_effect", 0.0))
        latent = self.frame["latent"].to_numpy()
        s = loading * latent + size_effect * self.large + self.rng.normal(0.0, 1.0, size=self.n)
        partner = spec.get("paired_with")
        if partner:
            # Within the same municipality: follow the partner question's answer closely.
            pq = self.cb[partner]
            porder = self.cal["questions"][partner].get("order") or list(pq.codes)
            rank = {c: len(porder) - i for i, c in enumerate(porder)}
            pv = self.values[pq.id]
            s = np.array([rank.get(v, 0) for v in np.nan_to_num(pv, nan=-1)], dtype=float)
            s = s + self.rng.normal(0.0, 0.6, size=self.n)
        return s[mask]

    # -- question types ---------------------------------------------------------------------
    def single(self, q: Question, spec: dict, mask: np.ndarray) -> None:
        counts = solve_single(q, spec)
        order = [int(c) for c in spec.get("order") or q.codes]
        if sorted(order) != sorted(q.codes):
            raise CalibrationError(f"{q.id}: order must list every code once")
        idx = np.flatnonzero(mask)
        ranked = idx[np.argsort(-self.score(spec, mask), kind="stable")]
        out = np.full(self.n, np.nan)
        start = 0
        for code in order:
            out[ranked[start : start + counts[code]]] = code
            start += counts[code]
        self.values[q.id] = out

    def multi(self, q: Question, spec: dict, mask: np.ndarray) -> None:
        counts = solve_multi(q, spec)
        idx = np.flatnonzero(mask)
        score = self.score(spec, mask)
        ranked = idx[np.argsort(-score, kind="stable")]
        matrix = {c: np.full(self.n, np.nan) for c in q.codes}
        for c in q.codes:
            matrix[c][idx] = 0
        # Exclusive options ('geen aanbod') go to the least engaged municipalities, alone.
        n_excl = sum(counts[c] for c in q.exclusive)
        rest = ranked[: len(ranked) - n_excl]
        pos = len(rest)
        for c in q.exclusive:
            matrix[c][ranked[pos : pos + counts[c]]] = 1
            pos += counts[c]
        cols = [c for c in q.codes if c not in q.exclusive]
        total = sum(counts[c] for c in cols)
        lo = int(spec.get("min_answers", 1))
        hi = min(q.max_answers or len(cols), sum(1 for c in cols if counts[c] > 0))
        rows = self._row_sums(len(rest), total, lo, hi)
        remaining = dict(zip(rest, rows, strict=True))
        for c in sorted(cols, key=lambda c: -counts[c]):
            if counts[c] == 0:
                continue
            cand = [r for r in rest if remaining[r] > 0]
            if len(cand) < counts[c]:
                raise CalibrationError(f"{q.id}: cannot place option {c}; targets inconsistent")
            noise = self.rng.random(len(cand))
            key = sorted(range(len(cand)), key=lambda i: (-remaining[cand[i]], noise[i]))
            for i in key[: counts[c]]:
                matrix[c][cand[i]] = 1
                remaining[cand[i]] -= 1
        if any(v != 0 for v in remaining.values()):
            raise CalibrationError(f"{q.id}: answers per municipality could not be matched")
        for c in q.codes:
            self.values[f"{q.id}_{c}"] = matrix[c]

    def _row_sums(self, n: int, total: int, lo: int, hi: int) -> list[int]:
        """Return n row sums in [lo, hi] adding up to total, largest first (most engaged)."""
        if n == 0:
            if total:
                raise CalibrationError("answers to place but no municipality to give them")
            return []
        if not lo * n <= total <= hi * n:
            raise CalibrationError(f"{total} answers do not fit {n} rows of {lo}..{hi}")
        mean = total / n
        spread = max(0.4, min(mean - lo, hi - mean) / 2)
        z = np.sort(self.rng.normal(0.0, 1.0, size=n))[::-1]
        rows = np.clip(np.rint(mean + spread * z), lo, hi).astype(int)
        diff = total - int(rows.sum())
        while diff != 0:
            step = 1 if diff > 0 else -1
            ok = np.flatnonzero((rows + step >= lo) & (rows + step <= hi))
            i = self.rng.choice(ok)
            rows[i] += step
            diff -= step
        return sorted(rows.tolist(), reverse=True)

    def estimate(self, q: Question, spec: dict, mask: np.ndarray) -> None:
        n = int(mask.sum())
        mean = float(spec["mean"]["value"])
        sd = float(spec.get("sd", 15))
        m = min(max(mean / 100, 0.005), 0.995)
        var = min((sd / 100) ** 2, m * (1 - m) * 0.9)
        conc = m * (1 - m) / var - 1
        draws = self.rng.beta(m * conc, (1 - m) * conc, size=n) * 100
        values = np.clip(np.rint(draws), 0, 100)
        cap = np.full(self.n, 100.0)
        for chk in self.cb.checks:
            if chk.type == "max_sum" and q.id in chk.questions:
                earlier = [x for x in chk.questions[: chk.questions.index(q.id)]]
                used = (
                    sum(np.nan_to_num(self.values[x], nan=0.0) for x in earlier) if earlier else 0
                )
                cap = np.minimum(cap, chk.max - used)
        idx = np.flatnonzero(mask)
        ranked = idx[np.argsort(-self.score(spec, mask), kind="stable")]
        out = np.full(self.n, np.nan)
        out[ranked] = np.sort(values)[::-1]
        out[idx] = np.minimum(out[idx], cap[idx])
        goal = int(round(mean * n))  # the exact printed mean, so rounding is never borderline
        diff = goal - int(np.nansum(out[idx]))
        while diff != 0:
            step = 1 if diff > 0 else -1
            ok = idx[(out[idx] + step >= 0) & (out[idx] + step <= cap[idx])]
            i = self.rng.choice(ok)
            out[i] += step
            diff -= step
        self.values[q.id] = out

    def count(self, q: Question, spec: dict, mask: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        ranked = idx[np.argsort(-self.score(spec, mask), kind="stable")]
        out = np.full(self.n, np.nan)
        top = int(spec.get("max", 15))
        upper = max(r["hi"] for r in spec.get("range_percent") or [{"hi": top}])
        mode = int(spec.get("mode", 1))
        # Mostly small numbers with the mode most frequent; one regional outlier at the maximum.
        vals = mode + self.rng.geometric(0.45, size=len(idx)) - 1
        vals = np.clip(vals, 0, upper)
        out[ranked] = np.sort(vals)[::-1]
        if len(ranked):
            out[ranked[0]] = top
        self.values[q.id] = out

    def open_text(self, q: Question, eligible: np.ndarray) -> None:
        phrases = OPEN_TEXT.get(q.harmonised, ["Overig"])
        out = np.full(self.n, None, dtype=object)
        for i in np.flatnonzero(eligible):
            if self.rng.random() < 0.85:
                out[i] = phrases[int(self.rng.integers(len(phrases)))]
        self.values[q.id] = out

    # -- whole wave -------------------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        for q in self.cb.questions:
            spec = self.spec(q)
            eligible = self.eligible(q)
            if q.type == "open_text":
                self.open_text(q, eligible)
                continue
            mask = self.choose_answered(q, int(spec["n"]), eligible)
            if q.type in ("single", "likert5"):
                self.single(q, spec, mask)
            elif q.type == "multi":
                self.multi(q, spec, mask)
            elif q.type == "estimate":
                self.estimate(q, spec, mask)
            elif q.type == "count":
                self.count(q, spec, mask)
        return self.export()

    def export(self) -> pd.DataFrame:
        resp_col, muni_col, size_col = self.cb.id_columns
        out = pd.DataFrame(
            {
                resp_col: self.frame["respondent_id"],
                muni_col: self.frame["gemeente_id"],
                size_col: self.frame["size"],
            }
        )
        for q in self.cb.questions:
            for col in q.columns:
                v = self.values[col]
                if q.type == "open_text":
                    out[col] = pd.Series(v, dtype="string")
                else:
                    out[col] = pd.array(np.where(np.isnan(v), None, v), dtype="Int64")
        return out.sort_values(muni_col, kind="stable").reset_index(drop=True)


def synthesize(cb: Codebook, calibration: dict, seed: int) -> pd.DataFrame:
    """Generate the synthetic raw export of one wave.

    Parameters
    ----------
    cb
        The wave's codebook.
    calibration
        The wave's calibration targets (``load_calibration``).
    seed
        The seed from ``params.yaml``; with the same seed the output is identical.

    Returns
    -------
    pandas.DataFrame
        One row per responding municipality, columns as in the codebook.
    """
    if int(calibration["wave"]) != cb.wave:
        raise CalibrationError(
            f"calibration is for wave {calibration['wave']}, codebook for wave {cb.wave}"
        )
    return _Wave(cb, calibration, seed).run()
