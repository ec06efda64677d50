import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import SEED
from toeleiding import paths
from toeleiding.calibration import CalibrationError
from toeleiding.io import write_csv
from toeleiding.synthesize import synthesize


@pytest.fixture(scope="module")
def raw2018(codebooks, calibrations):
    return synthesize(codebooks[2018], calibrations[2018], SEED)


def _digest(df, tmp_path, name):
    path = tmp_path / name
    write_csv(df, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(codebooks, calibrations, tmp_path, year):
    a = synthesize(codebooks[year], calibrations[year], SEED)
    b = synthesize(codebooks[year], calibrations[year], SEED)
    assert _digest(a, tmp_path, "a.csv") == _digest(b, tmp_path, "b.csv")


def test_pipeline_file_is_the_seeded_synthesis(codebooks, calibrations, tmp_path, year):
    """The DVC output equals a fresh synthesis with the seed from params.yaml."""
    fresh = synthesize(codebooks[year], calibrations[year], SEED)
    digest = _digest(fresh, tmp_path, "fresh.csv")
    assert digest == hashlib.sha256(paths.raw_path(year).read_bytes()).hexdigest()


def test_other_seed_other_data_same_figures(codebooks, calibrations, raw2018):
    other = synthesize(codebooks[2018], calibrations[2018], SEED + 1)
    assert not other.equals(raw2018)
    assert (
        other["V01"].value_counts().sort_index() == raw2018["V01"].value_counts().sort_index()
    ).all()


def test_export_looks_like_a_survey_tool(codebooks, raw2018):
    cb = codebooks[2018]
    assert list(raw2018.columns) == cb.columns
    assert raw2018["gemeente_id"].is_unique
    # Synthetic ids only: never a CBS municipality code (GMxxxx) or a real name.
    assert raw2018["gemeente_id"].str.fullmatch(r"SG18-\d{3}").all()
    assert raw2018["respondent_id"].str.fullmatch(r"SR18-\d{3}").all()
    multi = [c for c in raw2018.columns if re.fullmatch(r"V02_\d+", c)]
    assert set(raw2018[multi].stack().unique()) <= {0, 1}


def test_tabel_1_and_clustering(raw2018):
    assert raw2018["grootteklasse"].value_counts().to_dict() == {"overig": 239, "G40": 39, "G4": 4}
    assert raw2018["respondent_id"].nunique() == 168
    per_resp = raw2018.groupby("respondent_id")["grootteklasse"].agg(list)
    g4 = per_resp[per_resp.map(lambda s: "G4" in s)]
    assert all(len(s) == 1 for s in g4)  # the four large cities answer for themselves


def test_larger_municipalities_use_more_measures(codebooks, raw2018):
    cols = [c for c in codebooks[2018]["V02"].columns if not c.endswith("_18")]
    ticks = raw2018[cols].sum(axis=1).astype(float)
    large = raw2018["grootteklasse"].isin(["G4", "G40"])
    assert ticks[large].mean() > ticks[~large].mean() + 1


def test_study_above_30_more_often_in_large_municipalities(raw2018):
    answered = raw2018.dropna(subset=["V13"])
    large = answered["grootteklasse"].isin(["G4", "G40"])
    table = pd.crosstab(large, answered["V13"] == 1)
    _, p = stats.fisher_exact(table.to_numpy())
    share = (answered["V13"] == 1).groupby(large).mean()
    assert share[True] > share[False] and p < 0.05
    assert share[True] < 0.95  # significant, not absolute


def test_insight_in_nareizigers_lower_within_municipality(raw2018):
    both = raw2018.dropna(subset=["V09", "V11"]).astype({"V09": float, "V11": float})
    assert (both["V11"] <= both["V09"]).mean() > 0.8
    assert (both["V11"] < both["V09"]).sum() > (both["V11"] > both["V09"]).sum()


def test_max_three_effective_elements(raw2018, codebooks):
    ticks = raw2018[list(codebooks[2018]["V29"].columns)].sum(axis=1)
    assert ticks.dropna().max() == 3


def test_routing_holds_row_by_row(raw2018):
    asked = raw2018["V01"].isin([1, 4])
    assert raw2018.loc[asked, "V06"].notna().all()
    assert raw2018.loc[~asked, "V06"].isna().all()
    asked7 = raw2018["V06"].isin([1, 3])
    assert raw2018.loc[~asked7, [f"V07_{i}" for i in range(1, 9)]].isna().all().all()


def test_unreachable_target_is_refused(codebooks, calibrations):
    import copy

    cal = copy.deepcopy(calibrations[2018])
    cal["questions"]["V01"]["percent"] = {1: 60, 2: 60, 3: 1, 4: 14}
    with pytest.raises(CalibrationError, match="V01"):
        synthesize(codebooks[2018], cal, SEED)


def test_estimates_vary_plausibly(raw2018):
    v = raw2018["V24a"].dropna().astype(float)
    assert v.between(0, 100).all() and v.nunique() > 10
    assert np.isclose(v.mean(), 13, atol=0.01)
