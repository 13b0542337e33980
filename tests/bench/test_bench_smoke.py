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


def test_the_load_summary_leaves_out_the_warm_up_and_counts_429_apart():
    from bench.load import summarise

    shape = {"users": 2, "creators": 1, "warm_up": 10, "seconds": 20, "avatars": 1}
    made = [
        [1000.0, "log in", 900.0, 302, False],  # warm-up: left out, however slow
        [1005.0, "page: home", 5000.0, 500, True],
        [1011.0, "page: home", 10.0, 200, False],
        [1012.0, "page: avatar", 30.0, 200, False],
        [1013.0, "create", 300.0, 429, True],
        [1014.0, "status", 5.0, 200, False],
        [1015.0, "page: profile", 20.0, 404, True],
        [1031.0, "page: home", 4000.0, 200, False],  # after the measured minute
    ]
    pages, errors, jobs = summarise(made, {"succeeded": 1, "failed": 1}, 2.5, shape, 0.5)

    assert pages.figures["n"] == 3
    assert pages.figures["median_ms"] == 20.0
    assert pages.met is True
    assert errors.figures == {
        "requests": 5,
        "errors": 1,
        "throttled_429": 1,
        "errors_by_name": {"page: profile 404": 1},
    }
    assert errors.met is False
    assert "1 answered 429" in errors.measured
    assert jobs.met is False
    assert jobs.figures["statuses"] == {"succeeded": 1, "failed": 1}


@pytest.mark.slow
def test_the_picture_summary_misses_a_swarm_that_was_refused_or_too_slow():
    from bench.picture import summarise

    def swarm(per_s, statuses):
        shape = {"clients": 50, "seconds": 15, "load_average_1m_before": 1.0}
        return {"per_s": per_s, "statuses": statuses, **shape}

    timings = {"median_ms": 0.1, "p95_ms": 0.3}
    local = {
        "image": timings,
        "not_modified": timings,
        "django_image": timings,
        "django_not_modified": timings,
        "load_average_1m": 1.0,
    }
    met = summarise(swarm(600, {304: 9000}), swarm(250, {200: 3750}), local)
    refused = summarise(swarm(600, {304: 9000, 429: 1}), swarm(250, {200: 3000, 429: 5}), local)
    slow = summarise(swarm(499, {304: 7485}), swarm(199, {200: 2985}), local)

    assert [r.met for r in met] == [True, True, True, True]
    assert [r.met for r in refused][:2] == [False, False]
    assert [r.met for r in slow][:2] == [False, False]


def test_the_latency_benchmark_measures_a_real_site(tmp_path):
    from bench.latency import measure

    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        results = measure(site, 2, warm_up=0)
    finally:
        site.stop(grace=2)

    assert [r.id for r in results] == [
        "latency.create_post.p95_ms",
        "latency.first_progress.p95_ms",
        "latency.done.p95_ms",
        "latency.seen_running.p95_ms",
    ]
    for result in results:
        assert isinstance(result, Result)
        assert result.figures["n"] == 2
        # (The job may start before the 202 is read: its first progress can be 0.)
        assert 0 <= result.figures["median_ms"] <= result.figures["p95_ms"]
        assert isinstance(result.met, bool)
    assert site.query("select status, count(*) from avatars_turn group by status") == [
        ("succeeded", 2)
    ]


def test_the_signing_benchmark_signs_and_reads_back(db):
    from bench.provenance import run

    (result,) = run(quick=True)
    assert result.id == "provenance.sign.1024"
    assert set(result.figures["timings"]) == {"png first", "png edit", "webp edit", "read"}
    assert result.figures["bytes_added"]["png edit"] > result.figures["bytes_added"]["png first"]
