"""The HTML report: content, self-containment, valid embedded images."""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path

import pytest

import replicator.report as report
from replicator.report import bp, money, pct

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("rep") / "report.html"
    text = report.to_html(
        result,
        path,
        title="Test <report>",
        benchmark_name="Synthetic & Co",
        manifest={"config_sha256": "abc123"},
    )
    assert path.read_text(encoding="utf-8") == text
    return text


def test_headline_numbers_are_in_the_page(page, result):
    assert pct(result.tracking_error, 3) in page
    assert bp(result.total_cost) in page
    assert pct(result.turnover) in page
    assert f">{result.n_holdings}<" in page
    assert "optimal" in page and "DUAL_NEWTON" in page


def test_sections_are_present(page, result):
    for anchor in (
        "headline",
        "weights",
        "risk",
        "costs",
        "liquidity",
        "constraints",
        "solver",
        "manifest",
    ):
        assert f'id="{anchor}"' in page
    assert "TurnoverLimit(0.01)" in page
    assert result.binding_constraints  # FullyInvested at least
    for c in result.constraints:  # binding rows, and only those, are highlighted
        highlighted = f'<tr class="bind"><td>{c.name}</td>' in page
        assert highlighted == c.binding, c.name
    biggest = (result.weights - result.benchmark).abs().idxmax()
    assert f"<td>{biggest}</td>" in page
    for sector in result.te_by_group.index:
        assert f"Group: {sector}" in page
    assert "abc123" in page


def test_text_is_escaped(page):
    assert "<title>Test &lt;report&gt;</title>" in page
    assert "Synthetic &amp; Co" in page


def test_page_is_self_contained(page):
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "url(" not in page


def test_every_image_is_an_embedded_png(page):
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([^"]+)">', page)
    assert len(images) == 5  # weights, active, TE, costs, liquidity
    assert page.count("<img") == len(images)
    for data in images:
        raw = base64.b64decode(data, validate=True)
        assert raw[:8] == PNG
        width = int.from_bytes(raw[16:20], "big")
        assert width > 100


def test_returns_only_report(returns_only_result):
    page = report.to_html(returns_only_result, None)
    assert "returns-only mode" in page
    assert "Largest positions" in page
    assert "No ADV was given" in page
    assert page.count("<img") == 3  # weights, TE, costs (no active, no liquidity)


def test_formatters():
    assert pct(0.012345) == "1.23 %"
    assert pct(-1e-12, 3) == "0.000 %"
    assert pct(float("nan")) == "n/a"
    assert bp(0.00012345, 3) == "1.234 bp" or bp(0.00012345, 3) == "1.235 bp"
    assert money(1.5e9) == "1.50 bn"
    assert money(2_500.0) == "2.50 k"
    assert money(None) == "n/a"


def test_headline_rows(result):
    rows = dict(report.headline(result))
    assert rows["Status"] == "optimal (DUAL_NEWTON)"
    assert rows["Date"] == str(result.date.date())
    assert rows["Binding constraints"].startswith("FullyInvested()")


def test_plots_return_figures(result):
    for fn in (
        report.plot_weights,
        report.plot_active,
        report.plot_te_decomposition,
        report.plot_costs,
        report.plot_liquidity,
    ):
        fig = fn(result)
        assert report.figure_to_png(fig)[:8] == PNG
    import pandas as pd

    frame = pd.DataFrame(
        {"tracking_error": [0.02, 0.01], "total_cost": [1e-4, 2e-4]},
        index=pd.Index([1.0, 10.0], name="risk_aversion"),
    )
    assert report.figure_to_png(report.plot_frontier(frame))[:8] == PNG


def test_console_tables(result):
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(report.summary_table(result, title="T"))
    text = console.export_text()
    assert pct(result.tracking_error, 3) in text and "ProportionalFee(5)" in text


def test_report_package_does_not_import_cvxpy():
    folder = Path(report.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "cvxpy" for n in names), path.name


def test_to_html_renders_a_backtest_with_the_backtest_report(small, tmp_path):
    import replicator as rp
    import replicator.backtest

    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    bt = replicator.backtest.run(
        model, small.returns, small.benchmark, schedule="M", lookback=60,
        baselines=None,
    )  # fmt: skip
    page = report.to_html(bt, tmp_path / "bt.html", title="BT title")
    assert page == report.backtest_to_html(bt, title="BT title")
    assert (tmp_path / "bt.html").read_text(encoding="utf-8") == page
    assert "<title>BT title</title>" in page
