from toeleiding.rounding import count_interval, percent_half_up, ratio_half_up, sum_interval


def test_percent_half_up_rounds_halves_up():
    assert percent_half_up(91, 104) == 88  # 87.5 %
    assert percent_half_up(1, 200) == 1  # 0.5 %
    assert percent_half_up(1, 201) == 0  # 0.497 %
    assert percent_half_up(113, 279) == 41  # 40.50 %


def test_count_interval_matches_percent_for_every_count():
    for n in range(1, 320):
        for p in range(0, 101):
            lo, hi = count_interval(p, n)
            expected = [k for k in range(n + 1) if percent_half_up(k, n) == p]
            if expected:
                assert (lo, hi) == (expected[0], expected[-1]), (p, n)
            else:
                assert lo > hi, (p, n)


def test_mean_rounding_and_sum_interval_agree():
    for n in (132, 279, 282):
        for decimals, value in ((1, 9.3), (1, 2.9), (0, 4.0), (1, 1.1)):
            lo, hi = sum_interval(value, n, decimals)
            assert ratio_half_up(lo, n, decimals) == value
            assert ratio_half_up(hi, n, decimals) == value
            assert ratio_half_up(lo - 1, n, decimals) != value
            assert ratio_half_up(hi + 1, n, decimals) != value
