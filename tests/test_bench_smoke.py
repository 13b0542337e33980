"""The benchmarks keep working: their statistics on known numbers, and the latency benchmark's
measurement against a real site with N=2. No timed assertions: the figures are the benchmark's
business, not a test's."""

import pytest

from bench.common import Result, percentile, timing
from tests.liveserver import LiveSite


def test_percentile_interpolates_between_closest_ranks():
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 50) == 3.0
    assert percentile(samples, 100) == 5.0
    assert percentile(samples, 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0


def test_percentile_refuses_no_samples():
    with pytest.raises(ValueError):
        percentile([], 95)


def test_timing_gives_milliseconds():
    figures = timing([0.010, 0.020, 0.030, 0.040, 0.100])
    assert figures == {
        "n": 5,
        "median_ms": 30.0,
        "p95_ms": 88.0,
        "min_ms": 10.0,
        "max_ms": 100.0,
    }


@pytest.mark.slow
def test_the_latency_benchmark_measures_a_real_site(tmp_path):
    from bench.latency import measure

    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        results = measure(site, 2, warm_up=0)
    finally:
        site.stop()

    assert [r.id for r in results] == [
        "latency.create_post.p95_ms",
        "latency.first_progress.p95_ms",
        "latency.done.p95_ms",
    ]
    for result in results:
        assert isinstance(result, Result)
        assert result.figures["n"] == 2
        assert 0 < result.figures["median_ms"] <= result.figures["p95_ms"]
        assert isinstance(result.met, bool)
    assert site.query("select status, count(*) from avatars_turn group by status") == [
        ("succeeded", 2)
    ]
