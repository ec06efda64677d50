import pandas as pd

from toeleiding import paths


def test_labelled_categoricals_and_harmonised_names(cleaned, codebooks):
    df = cleaned[2018]
    col = df["beleid_aanvullend"]
    assert isinstance(col.dtype, pd.CategoricalDtype)
    assert list(col.cat.categories) == ["Ja", "Nee", "Niet meer", "Is in ontwikkeling"]
    assert not col.cat.ordered
    lik = df["zicht_achtergrond"]
    assert lik.cat.ordered and lik.cat.categories[0] == "Helemaal oneens"
    assert str(df["aanbod__dedicated_klantmanagers"].dtype) == "boolean"
    assert str(df["route_werk"].dtype) == "Float64"


def test_same_question_same_column_in_every_wave(cleaned):
    for name in ("startmoment", "zicht_achtergrond", "beleid_aanvullend"):
        assert all(name in df.columns for df in cleaned.values())
    assert all(df["jaar"].nunique() == 1 for df in cleaned.values())


def test_routed_out_is_missing_not_false(cleaned):
    df = cleaned[2018]
    not_asked = ~df["maatregelen_andere_groepen"].isin(["Ja", "Dit is in ontwikkeling"])
    assert df.loc[not_asked, "andere_groepen__jongeren"].isna().all()


def test_one_row_per_municipality(cleaned, calibrations):
    for year, df in cleaned.items():
        assert df["gemeente_id"].is_unique
        assert len(df) == sum(calibrations[year]["sample"]["municipalities"].values())
        raw_rows = paths.raw_path(year).read_text(encoding="utf-8").count("\n") - 1
        assert len(df) == raw_rows
