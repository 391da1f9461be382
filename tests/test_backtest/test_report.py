"""HTML report of a backtest: self-contained, a pure function, no cvxpy."""

import ast
import base64
import re
from pathlib import Path

import pytest

import replicator as rp
from replicator.report._backtest import backtest_to_html

PKG = Path(rp.__file__).parent


@pytest.fixture(scope="module")
def bt(mkt, model_factory):
    return rp.backtest.run(
        model_factory(rp.costs.ProportionalFee(bps=3)),
        mkt.returns,
        mkt.weights,
        schedule=20,
        lookback=60,
    )


def test_html_is_self_contained(bt, tmp_path):
    path = tmp_path / "bt.html"
    text = backtest_to_html(bt, path, title="Test backtest")
    assert path.read_text(encoding="utf-8") == text
    pngs = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(pngs) == 4
    for data in pngs:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"(src|href)=[\"']?https?://", text)
    assert "<script" not in text
    for label in (
        "Test backtest",
        "Optimized",
        "Full replication",
        "Top 50",
        "Ex-post TE (sd, ann.)",
        "ProportionalFee(3)",
    ):
        assert label in text


def test_html_shows_notes(mkt, model_factory):
    bt = rp.backtest.run(
        model_factory(),
        mkt.returns,
        mkt.index_returns,
        lookback=60,
        baselines=["full", "ls"],
    )
    text = backtest_to_html(bt)
    assert "LS tracker" in text
    assert "Baseline &#x27;full&#x27; is not available" in text


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported by ``path`` outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text())
    skip = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    [PKG / "report" / "_backtest.py", *sorted((PKG / "backtest").glob("*.py"))],
    ids=lambda p: p.name,
)
def test_no_solver_layer_imports(path):
    forbidden = (
        "cvxpy",
        "replicator.problem",
        "replicator.solvers",
        "replicator.replicator",
    )
    bad = [m for m in _runtime_imports(path) if m.startswith(forbidden)]
    assert not bad, f"{path.name} imports {bad}"
