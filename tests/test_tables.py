"""Unit tests of the computations behind the figures, on small hand-made tables."""

import pandas as pd
import pytest

from toeleiding import tables
from toeleiding.codebook import Option, Question, Routing

YN = (Option(1, "ja", "Ja"), Option(2, "nee", "Nee"), Option(3, "weet_niet", "Weet niet"))
SINGLE = Question("V1", "vraag", "beleid", "single", "Vraag?", options=YN)
MULTI = Question(
    "V2",
    "lijst",
    "beleid",
    "multi",
    "Welke?",
    options=(Option(1, "a", "A"), Option(2, "b", "B"), Option(3, "c", "C")),
    routing=Routing("V1", codes=(1,)),
)
LIKERT = Question(
    "V3",
    "stelling",
    "beleid",
    "likert5",
    "Stelling.",
    options=(
        Option(1, "helemaal_oneens", "Helemaal oneens"),
        Option(2, "oneens", "Oneens"),
        Option(3, "neutraal", "Neutraal"),
        Option(4, "eens", "Eens"),
        Option(5, "helemaal_eens", "Helemaal eens"),
    ),
)
EST = Question("V4", "schatting", "resultaten", "estimate", "Hoeveel?")


@pytest.fixture()
def df():
    cat = pd.Categorical(["Ja", "Ja", "Nee", None, "Ja", "Weet niet", "Ja", "Nee"])
    b = pd.array
    return pd.DataFrame(
        {
            "vraag": cat,
            # Asked only where vraag == Ja (4 rows); one of them did not answer.
            "lijst__a": b([True, True, None, None, False, None, None, None], dtype="boolean"),
            "lijst__b": b([True, False, None, None, False, None, None, None], dtype="boolean"),
            "lijst__c": b([False, False, None, None, True, None, None, None], dtype="boolean"),
            "stelling": pd.Categorical(
                ["Eens", "Helemaal eens", "Neutraal", "Oneens", None, "Eens", "Eens", "Neutraal"],
                categories=[o.label for o in LIKERT.options],
                ordered=True,
            ),
            "schatting": b([10, 20, None, 30, 40.5, None, None, None], dtype="Float64"),
        }
    )


def test_single_share_is_over_valid_answers_in_codebook_order(df):
    t = tables.single_shares(df, SINGLE)
    assert list(t["categorie"]) == ["Ja", "Nee", "Weet niet"]
    assert list(t["aantal"]) == [4, 2, 1]
    assert (t["basis_n"] == 7).all()  # the empty answer is not in the base
    assert list(t["waarde_afgerond"]) == [57, 29, 14]
    assert t["waarde"].iloc[0] == pytest.approx(400 / 7)


def test_multiple_response_base_is_the_answering_routed_rows(df):
    t = tables.multi_shares(df, MULTI)
    assert (t["basis_n"] == 3).all()  # 4 routed rows, 1 without an answer
    assert dict(zip(t["optie"], t["aantal"], strict=True)) == {"a": 2, "b": 1, "c": 1}
    assert list(t["optie"]) == ["a", "b", "c"]  # sorted by count, ties in codebook order
    exact, printed, n = tables.mean_answers(df, MULTI)
    assert (exact, printed, n) == (4 / 3, 1.3, 3)


def test_likert_groups(df):
    t = tables.likert_group_shares(df, LIKERT)
    assert list(t["categorie"]) == ["(Helemaal) eens", "Neutraal", "(Helemaal) oneens"]
    assert list(t["aantal"]) == [4, 2, 1]
    assert list(t["optie"]) == ["eens+helemaal_eens", "neutraal", "helemaal_oneens+oneens"]


def test_estimate_mean_over_its_own_answers(df):
    t = tables.estimate_means(df, [EST], ["Schatting"])
    assert t["basis_n"].iloc[0] == 4
    assert t["waarde"].iloc[0] == pytest.approx(25.125)
    assert t["waarde_afgerond"].iloc[0] == 25


def test_option_share_for_single_and_multi(df):
    assert tables.option_share(df, SINGLE, ["ja", "nee"]) == (6, 7)
    assert tables.option_share(df, MULTI, ["b", "c"]) == (2, 3)


def test_answered_is_the_base(df):
    assert tables.answered(df, MULTI).sum() == 3
    assert tables.answered(df, SINGLE).sum() == 7


SUFFICIENT = Question(
    "V5",
    "genoeg",
    "randvoorwaarden",
    "likert5",
    "Voldoende middelen?",
    options=(
        Option(1, "ruim_onvoldoende", "Ruim onvoldoende"),
        Option(2, "onvoldoende", "Onvoldoende"),
        Option(3, "neutraal", "Niet voldoende / niet onvoldoende"),
        Option(4, "voldoende", "Voldoende"),
        Option(5, "ruim_voldoende", "Ruim voldoende"),
    ),
)


def test_likert_groups_follow_the_scale():
    answers = ["Voldoende", "Onvoldoende", "Ruim onvoldoende", "Niet voldoende / niet onvoldoende"]
    df = pd.DataFrame({"genoeg": pd.Categorical(answers)})
    t = tables.likert_group_shares(df, SUFFICIENT)
    assert list(t["categorie"]) == [
        "(Ruim) voldoende",
        "Voldoende noch onvoldoende",
        "(Ruim) onvoldoende",
    ]
    assert list(t["aantal"]) == [1, 1, 2]


def test_labels_inside_a_sentence():
    from toeleiding.chapter import words
    from toeleiding.items import in_sentence

    assert (
        in_sentence("Statushouders die in Nederland wonen")
        == "statushouders die in Nederland wonen"
    )
    assert in_sentence("(Uitgebreide) intake") == "(uitgebreide) intake"
    for kept in ("UWV", "G40", "SW-bedrijf/Sociaal Werkbedrijf", "Europese middelen (ESF)"):
        assert in_sentence(kept) == kept
    assert words(["G4", "G40", "Middelgrote/kleine gemeenten"]) == (
        "G4, G40 en middelgrote/kleine gemeenten"
    )


# The labels of Figuur 3.7, where a three-line label used to overlap the next one.
LONG = [
    "Statushouders die al iets langer (maar minder dan vijf jaar) in Nederland zijn",
    "Statushouders die langer dan vijf jaar in Nederland wonen",
    "Alle bijstandsgerechtigden",
    "Jongeren",
    "Werkzoekenden met een arbeidsbeperking",
    "Alleenstaande ouders *",
    "Andere nieuwkomers (bijvoorbeeld gezinsmigranten) *",
    "Anders, namelijk… *",
]


def _bars(labels):
    n = len(labels)
    return pd.DataFrame(
        {"categorie": labels, "waarde": [60.0] * n, "waarde_afgerond": [60] * n, "jaar": 2018}
    )


@pytest.mark.parametrize("grouped", [False, True])
def test_wrapped_labels_never_overlap(grouped):
    from toeleiding import figures

    figures.set_theme()
    table = _bars(LONG)
    if grouped:
        table = pd.concat([table, table.assign(jaar=2017)], ignore_index=True)
    xlabel = "Gemiddeld geschat percentage van de naar werk uitgestroomden"
    fig = figures.grouped_barh(table) if grouped else figures.barh(table, xlabel=xlabel)
    fig.canvas.draw()
    ax, whole = fig.axes[0], fig.bbox
    texts = [ax.xaxis.label, *ax.get_yticklabels(), *ax.texts]
    texts += ax.get_legend().get_texts() if ax.get_legend() else []
    for t in texts:  # nothing sticks out of the image
        box = t.get_window_extent()
        assert box.x0 >= whole.x0 - 1 and box.x1 <= whole.x1 + 1, t.get_text()
    boxes = sorted(
        (t.get_window_extent() for t in fig.axes[0].get_yticklabels()), key=lambda b: -b.y1
    )
    assert max(b.height for b in boxes) > 2 * min(b.height for b in boxes)  # really wrapped
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        assert upper.y0 >= lower.y1, (upper, lower)
    figures.plt.close(fig)


def test_text_reads_at_phone_width():
    """Shown 340 px wide, labels are at least 11 px high, like body text on a phone."""
    from toeleiding import figures

    scale = 340 / (figures.WIDTH_IN * figures.DPI)
    for pt in (figures.FONT_PT, figures.VALUE_PT):
        assert pt / 72 * figures.DPI * scale >= 11


def test_figures_are_byte_identical_and_carry_no_stamps(tmp_path):
    from toeleiding import figures

    figures.set_theme()
    paths = [figures.save(figures.barh(_bars(LONG)), tmp_path / f"{i}.png") for i in range(2)]
    data = [p.read_bytes() for p in paths]
    assert data[0] == data[1]
    assert b"tIME" not in data[0] and b"Software" not in data[0]
