"""Tests of the benchmark suite (benchmarks/): problems, scoring, raw OSQP, report.

No timing assertions: timings are only checked to exist and be positive.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import problems  # noqa: E402
from benchmarks.cells import REFERENCE, TIGHT_CLARABEL, CellSpec, run_isolated  # noqa: E402
from benchmarks.raw_osqp import RawOSQP, osqp_settings  # noqa: E402
from benchmarks.report import add_gaps  # noqa: E402
from benchmarks.targets import suite_targets  # noqa: E402
from benchmarks.variants import build  # noqa: E402


@pytest.fixture(scope="module")
def p60() -> problems.BenchProblem:
    return problems.make_problem(60, n_factors=4, seed=3)


@pytest.fixture(scope="module")
def reference(p60):
    """Tight Clarabel solutions of the engine and qp variants (N=60)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variant in ("engine", "qp"):
            s = build(p60, variant, "CLARABEL", dict(TIGHT_CLARABEL))
            res = s.model.solve(**s.inputs(0))
            w = res.weights.reindex(p60.tickers).to_numpy()
            out[variant] = (s, w, s.evaluate(w))
    return out


def test_problem_is_seeded_and_consistent(p60):
    again = problems.make_problem(60, n_factors=4, seed=3)
    np.testing.assert_array_equal(p60.benchmark, again.benchmark)
    np.testing.assert_array_equal(p60.G, again.G)
    assert p60.G.shape == (4, 60)
    assert p60.benchmark.sum() == pytest.approx(1.0)
    assert p60.holdings.sum() == pytest.approx(0.995)
    assert (p60.upper >= p60.holdings).all() and (p60.upper >= p60.benchmark).all()
    # the covariance is the factor form, never a different matrix
    np.testing.assert_allclose(p60.sigma, p60.G.T @ p60.G + np.diag(p60.s**2))
    # the turnover limit binds: a full rebalance needs more
    d = p60.benchmark - p60.holdings
    assert p60.turnover < 0.5 * (np.abs(d).sum() + abs(d.sum()))
    # rebalances drift but stay valid weights, and rebalance 0 is the problem
    r0, r3 = p60.rebalance(0), p60.rebalance(3)
    np.testing.assert_array_equal(r0.holdings, p60.holdings)
    assert r3.benchmark.sum() == pytest.approx(1.0) and (r3.holdings >= 0).all()
    assert not np.allclose(r3.benchmark, r0.benchmark)


def test_evaluate_known_answers(p60, reference):
    s, _, _ = reference["engine"]
    at_bench = s.evaluate(p60.benchmark)
    assert at_bench.tracking_error == pytest.approx(0.0, abs=1e-12)
    d = p60.benchmark - p60.holdings
    assert at_bench.total_cost == pytest.approx(5e-4 * np.abs(d).sum())
    # holdings are 0.5 % cash: the budget is violated by exactly that much
    at_hold = s.evaluate(p60.holdings)
    assert at_hold.max_violation == pytest.approx(0.005, rel=1e-9)
    te = np.sqrt(d @ p60.sigma @ d)
    assert at_hold.tracking_error == pytest.approx(te, rel=1e-12)


def test_reference_is_feasible_and_optimal(p60, reference):
    for variant, (s, _w, ev) in reference.items():
        assert ev.max_violation < 1e-7, variant
        # the optimum beats simple feasible points: the straight path to b
        assert (
            ev.objective
            <= s.evaluate(
                p60.holdings + 0.01 * (p60.benchmark - p60.holdings)
            ).objective
        )


def test_raw_osqp_solves_the_same_qp(p60, reference):
    """numpy twin: hand-built OSQP reaches the Clarabel optimum of replicator."""
    for variant in ("engine", "qp"):
        s, w_ref, ev_ref = reference[variant]
        ri = s.raw_inputs(0)
        raw = RawOSQP(**ri.matrices)
        raw.setup(ri.g, ri.sb, ri.w0)
        sol = raw.solve()
        assert sol.status == "solved"
        ev = s.evaluate(sol.weights)
        assert ev.max_violation < 1e-5
        assert ev.objective == pytest.approx(ev_ref.objective, rel=1e-3)
        np.testing.assert_allclose(sol.weights, w_ref, atol=2e-3)
        # a warm re-solve of the next rebalance works and moves the answer
        nxt = s.raw_inputs(1)
        raw.update(nxt.g, nxt.sb, nxt.w0)
        sol2 = raw.solve()
        assert sol2.status == "solved"
        assert s.evaluate(sol2.weights, 1).max_violation < 1e-5


def test_raw_osqp_uses_replicator_settings():
    from replicator import solvers

    opts = osqp_settings(5000)
    assert opts["max_iter"] == solvers.DEFAULT_OPTIONS["OSQP"]["max_iter"]
    sized = getattr(solvers, "osqp_tolerance", None)
    eps = sized(5000) if sized else solvers.DEFAULT_OPTIONS["OSQP"]["eps_abs"]
    assert opts["eps_abs"] == opts["eps_rel"] == eps


def test_socp_variant_has_conic_terms(p60):
    s = build(p60, "socp")
    names = {type(t).__name__ for t in (*s.model.costs, *s.model.constraints)}
    assert {"PowerImpact", "ConstantProductAMM", "TrackingErrorLimit"} <= names
    d = p60.benchmark - p60.holdings
    te0 = np.sqrt(d @ p60.sigma @ d)
    assert 0 < s.te_cap < te0  # binding: holdings violate it


def test_add_gaps_uses_reference_or_best_feasible():
    rows = [
        {"variant": "qp", "size": "10", "solver": REFERENCE, "status": "optimal",
         "objective": 2.0, "max_violation": 0.0},
        {"variant": "qp", "size": "10", "solver": "OSQP", "status": "optimal",
         "objective": 2.002, "max_violation": 0.0, "raw_objective": 1.9,
         "raw_max_violation": 1e-3},
        {"variant": "qp", "size": "20", "solver": REFERENCE, "status": "failed"},
        {"variant": "qp", "size": "20", "solver": "SCS", "status": "optimal",
         "objective": 3.0, "max_violation": 1e-9},
        {"variant": "qp", "size": "20", "solver": "OSQP", "status": "optimal",
         "objective": 2.9, "max_violation": 1e-3},
    ]  # fmt: skip
    add_gaps(rows)
    assert rows[1]["rel_gap"] == pytest.approx(1e-3)
    assert rows[1]["raw_rel_gap"] == pytest.approx(-0.05)
    assert rows[3]["reference"] == "best feasible" and rows[3]["rel_gap"] == 0.0
    assert rows[4]["rel_gap"] == pytest.approx(-0.1 / 3)  # infeasible: negative


def test_suite_targets_verdicts():
    rows = [
        {"variant": "qp", "size": "500", "solver": "OSQP", "status": "optimal",
         "warm_wall": 0.004, "overhead_ratio": 1.2},
        {"variant": "qp", "size": "5000", "solver": "OSQP", "status": "optimal",
         "cold_wall": 2.0, "rel_gap": 1e-6, "max_violation": 0.0,
         "overhead_ratio": 2.0},
    ]  # fmt: skip
    text = "\n".join(suite_targets(rows))
    assert "| N=500 re-solve <= 5 ms | qp (OSQP) | warm 4.00 ms | PASS |" in text
    assert "cold 2 s" in text and "**MISS**" in text
    assert "N=20000" in text and "not run" in text


def _sleepy_cell(spec):
    time.sleep(60)


def test_isolated_cell_times_out_cleanly(monkeypatch):
    from benchmarks import cells

    monkeypatch.setattr(cells, "run_cell", _sleepy_cell)  # inherited by the fork
    row = run_isolated(CellSpec("qp", "500", "OSQP"), timeout=0.5)
    assert row["status"] == "timeout" and "timeout" in row["note"], row
    assert row["cell_seconds"] < 15


def test_isolated_cell_reports_errors(monkeypatch):
    from benchmarks import cells

    def broken(spec):
        raise RuntimeError("boom")

    monkeypatch.setattr(cells, "run_cell", broken)
    row = run_isolated(CellSpec("qp", "500", "OSQP"), timeout=30)
    assert row["status"] == "error" and "RuntimeError: boom" in row["note"]


@pytest.mark.parametrize("peer", ["skfolio", "pypfopt", "cvxportfolio"])
def test_peer_agrees_with_reference(peer):
    if importlib.util.find_spec(peer) is None:
        pytest.skip(f"{peer} not installed (bench-peers extra)")
    from benchmarks import peers

    p = problems.make_problem(40, n_factors=3, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = build(p, "peer", "CLARABEL", dict(TIGHT_CLARABEL))
        ref = s.evaluate(
            s.model.solve(**s.inputs(0)).weights.reindex(p.tickers).to_numpy()
        )
        names = [n for n in peers.PEERS if n.startswith(peer)]
        for name in names:
            ev = s.evaluate(peers.PEERS[name][1](p))
            assert ev.max_violation < 1e-5, name
            assert ev.tracking_error == pytest.approx(ref.tracking_error, rel=1e-3), (
                name
            )


def test_quick_mode_writes_sensible_outputs(tmp_path):
    from benchmarks.__main__ import main

    # Two solvers keep the test short; the full quick mode runs all installed.
    assert main(["--quick", "--solvers", "auto,OSQP", "--out", str(tmp_path)]) == 0
    for name in ("results.csv", "results.md", "time_vs_n.png", "accuracy_vs_time.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    with (tmp_path / "results.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["variant"] for r in rows} >= {"qp", "socp", "dense"}
    solved = [r for r in rows if r["status"] in ("optimal", "optimal_inaccurate")]
    assert solved, "no cell solved"
    for r in solved:
        assert float(r["cold_wall"]) > 0 and float(r["peak_rss_mb"]) > 50
        assert math.isfinite(float(r["objective"])) and float(r["tracking_error"]) >= 0
    # every solved cell is scored against a reference of its own problem; the
    # reference (tight Clarabel, or else the best feasible solution) has gap 0
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in solved:
        assert r["reference"] in (REFERENCE, "best feasible"), r
        assert math.isfinite(float(r["rel_gap"]))
        groups.setdefault((r["variant"], r["size"]), []).append(r)
    for members in groups.values():
        if members[0]["reference"] == "best feasible":
            # the best feasible objective of any cell, raw OSQP loops included
            gaps = [
                float(r[gap])
                for r in members
                for gap, viol in (
                    ("rel_gap", "max_violation"),
                    ("raw_rel_gap", "raw_max_violation"),
                )
                if r.get(gap) and float(r[viol]) <= 1e-6
            ]
            assert min(gaps) == 0.0
        else:
            ref = [r for r in members if r["solver"] == REFERENCE]
            assert ref and float(ref[0]["rel_gap"]) == 0.0
    socp_na = [r for r in rows if r["variant"] == "socp" and r["solver"] == "OSQP"]
    assert socp_na and socp_na[0]["status"] == "n/a"
    md = (tmp_path / "results.md").read_text()
    for heading in ("## Targets", "## Summary", "## All cells", "cvxpy", "nproc"):
        assert heading in md


def test_append_merges_and_replaces_rerun_cells(tmp_path):
    from benchmarks.report import merge_rows, read_csv, write_csv

    old = [
        {"variant": "qp", "size": "500", "solver": "OSQP", "cold_wall": 1.0},
        {"variant": "qp", "size": "500", "solver": "CLARABEL", "cold_wall": 2.0},
        {"kind": "peer", "variant": "peer", "size": "500", "solver": "skfolio (dense)"},
    ]
    write_csv(old, tmp_path / "results.csv")
    loaded = read_csv(tmp_path / "results.csv")
    assert "kind" not in loaded[0] and loaded[2]["kind"] == "peer"
    new = [{"variant": "qp", "size": "500", "solver": "OSQP", "cold_wall": 0.5}]
    merged = merge_rows(loaded, new)
    assert len(merged) == 3
    osqp = [r for r in merged if r["solver"] == "OSQP"]
    assert osqp == new
    assert read_csv(tmp_path / "missing.csv") == []


def test_isolated_cell_is_killed_above_memory_limit(monkeypatch):
    from benchmarks import cells

    monkeypatch.setattr(cells, "run_cell", _sleepy_cell)
    monkeypatch.setattr(cells, "MEMORY_LIMIT", 2**20)  # 1 MB: any child exceeds it
    row = run_isolated(CellSpec("qp", "500", "OSQP"), timeout=30)
    assert row["status"] == "out of memory" and "RSS" in row["note"]
    assert row["cell_seconds"] < 15


def test_engine_targets_use_the_median_round():
    from benchmarks.engine_targets import _shown, median_round

    rounds = [
        {"warm_wall": 0.006, "warm_solver": 0.0045, "status": "optimal"},
        {"warm_wall": 0.0042, "warm_solver": 0.003, "status": "optimal"},
        {"warm_wall": float("nan"), "status": "failed"},
        {"warm_wall": 0.0051, "warm_solver": 0.0035, "status": "optimal"},
        {
            "warm_wall": 0.0047,
            "warm_solver": 0.0033,
            "status": "optimal",
            "solver_used": "DUAL_NEWTON",
        },
    ]
    row = median_round(rounds)
    assert row["warm_wall"] == 0.0047  # lower middle of 4 timed rounds
    assert row["warm_wall_rounds"] == [0.0042, 0.0047, 0.0051, 0.006]
    shown = _shown("warm_wall", 0.0047, row)
    assert shown == "4.7 ms, DUAL_NEWTON 3.3 ms; median of 4 rounds, 4.2-6.0 ms"
    del row["solver_used"]
    assert _shown("warm_wall", 0.0047, row).startswith("4.7 ms, solver 3.3 ms;")
    assert median_round([{"status": "failed"}]) == {"status": "failed"}
