"""Open report.html in headless Chromium: no console errors, every image loads."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import replicator.report as report

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = (
            "headless Chromium not installed: apt-get install chromium chromium-driver"
        )
        if os.environ.get("REPLICATOR_REQUIRE_BROWSER"):  # set by .ci/run
            pytest.fail(message)
        pytest.skip(message)
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1200,900",
    ):
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def page_problems(driver, path: Path) -> tuple[list[str], int]:
    """Console errors and images that did not load; and the number of images."""
    driver.get(path.as_uri())
    problems = [
        f"console: {e['message']}"
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE"
    ]
    images = driver.execute_script(
        "return Array.from(document.images).map("
        "i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]);"
    )
    problems += [
        f"image not loaded: {alt}"
        for alt, complete, width, height in images
        if not (complete and width > 0 and height > 0)
    ]
    return problems, len(images)


@pytest.mark.parametrize("which", ["result", "returns_only_result"])
def test_report_renders_cleanly(driver, which, request, tmp_path):
    res = request.getfixturevalue(which)
    path = tmp_path / "report.html"
    report.to_html(res, path, title="Browser test", benchmark_name="Synthetic")
    problems, n_images = page_problems(driver, path)
    assert driver.title == "Browser test"
    assert problems == []
    assert n_images >= 3
    text = driver.find_element("tag name", "body").text
    assert "Tracking error (ex-ante, annualized)" in text


def test_the_check_catches_a_broken_page(driver, tmp_path):
    path = tmp_path / "broken.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>b</title></head><body>"
        '<img alt="bad" src="data:image/png;base64,AAAA">'
        "<script>undefinedFunction()</script></body></html>"
    )
    problems, _ = page_problems(driver, path)
    assert any(p.startswith("console:") for p in problems)
    assert "image not loaded: bad" in problems
