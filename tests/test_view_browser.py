"""harness view in a real browser: Debian's chromium, driven through its chromedriver by
Selenium (never a browser download), clicks runs -> run -> samples -> sample -> compare on run
directories made here by the CLI, checks what each page shows and saves screenshots
(``HARNESS_VIEW_SHOTS=DIR`` keeps them; the README's come from there). Skipped without chromium,
except in CI (CI=true), where that is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        return "Debian's chromium and chromium-driver are not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = _missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (CI=true: .ci/run installs them)")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="harness-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(30)
    # a find right after a click may run before the next page is parsed: let finds wait
    driver.implicitly_wait(10)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Path]]]:
    from tests.test_view import make_runs

    root = tmp_path_factory.mktemp("browser-runs")
    runs = make_runs(root)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "view", str(root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise AssertionError(f"harness view exited: {proc.stdout.read()}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", runs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _navigate(browser: Any, action: Any) -> None:
    """Run ``action`` (a click or a submit) and wait until the page it leaves is gone, so
    the next find reads the new page and never the old one (a CI run once read too early)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(browser, 30).until(EC.staleness_of(old))


def _shots() -> Path:
    out = Path(os.environ.get("HARNESS_VIEW_SHOTS") or tempfile.mkdtemp(prefix="view-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_click_through_runs_run_sample_compare(
    browser: Any, server: tuple[str, dict[str, Path]]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, runs = server
    shots = _shots()
    browser.get(base + "/")
    table = browser.find_element(By.ID, "runs")
    assert "sanity-tools" in table.text and "scripted/four" in table.text
    browser.save_screenshot(str(shots / "runs.png"))

    # runs -> the tool run -> its samples -> the first sample
    _navigate(browser, browser.find_element(By.LINK_TEXT, runs["tools"].name).click)
    assert "sanity-tools" in browser.find_element(By.TAG_NAME, "h1").text
    assert "exact_match" in browser.find_element(By.ID, "metrics").text
    browser.save_screenshot(str(shots / "run.png"))
    _navigate(browser, browser.find_element(By.CLASS_NAME, "samples-link").click)
    assert "records" in browser.find_element(By.ID, "count").text
    _navigate(browser, browser.find_elements(By.CLASS_NAME, "sample-link")[0].click)
    turns = browser.find_elements(By.CSS_SELECTOR, ".transcript .turn")
    roles = [t.get_attribute("class").split()[1] for t in turns]
    assert "assistant" in roles and "tool" in roles
    call = browser.find_element(By.CSS_SELECTOR, ".call .fn")
    assert call.text == "multiply"
    browser.save_screenshot(str(shots / "transcript.png"))

    # search the transcripts of the echo run from the samples page's form
    browser.get(f"{base}/run/{runs['echo'].name}/samples")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("reverse")
    _navigate(browser, box.submit)
    n = int(browser.find_element(By.ID, "count").text.split()[0])
    assert 0 < n < 80

    # back to the runs, compare the two sanity runs
    browser.get(base + "/")
    form = browser.find_element(By.ID, "compare-form")
    Select(form.find_element(By.NAME, "a")).select_by_visible_text(runs["echo"].name)
    Select(form.find_element(By.NAME, "b")).select_by_visible_text(runs["four"].name)
    _navigate(browser, form.find_element(By.CLASS_NAME, "compare-button").click)
    deltas = browser.find_element(By.ID, "deltas").text
    assert "exact_match" in deltas and "answer_match" in deltas
    assert browser.find_elements(By.CSS_SELECTOR, "#differ .diff-link")
    pair = browser.find_element(By.CSS_SELECTOR, ".side-by-side")
    assert len(pair.find_elements(By.CSS_SELECTOR, ".transcript")) == 2
    browser.save_screenshot(str(shots / "compare.png"))
    for name in ("runs", "run", "transcript", "compare"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def test_a_run_being_written_refreshes_in_the_browser(
    browser: Any, server: tuple[str, dict[str, Path]]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, runs = server
    root = runs["echo"].parent
    before = set(root.iterdir())
    writer = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "sanity", "--model", "scripted/slow",
         "-M", 'responses=["4"]', "-M", "delay=0.8", "--max-concurrency", "1",
         "--limit", "10", "--out", str(root), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        run = None
        while time.monotonic() < deadline and run is None:
            new = [p for p in set(root.iterdir()) - before if (p / "samples.jsonl").exists()]
            run = new[0] if new else None
            time.sleep(0.05)
        assert run is not None, "the run did not start"
        browser.get(f"{base}/run/{run.name}")  # a record every 0.8 s: 8 s to get here
        heading = browser.find_element(By.TAG_NAME, "h1").text
        assert "running" in heading, heading
        browser.execute_script("window.harnessMark = 1")
        # the page polls the run's status and reloads when records arrive
        WebDriverWait(browser, 20).until(
            lambda d: d.execute_script("return window.harnessMark") is None
        )
        # the viewer read the run while it was written and the run was not disturbed by it
        assert writer.wait(timeout=60) == 0
        WebDriverWait(browser, 20).until(
            lambda d: "finished" in d.find_element(By.TAG_NAME, "h1").text
        )
        assert "exact_match" in browser.find_element(By.ID, "metrics").text
    finally:
        if writer.poll() is None:
            writer.terminate()
            writer.wait(timeout=10)
