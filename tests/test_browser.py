"""The app in a real browser: `streamlit run app.py` on a free port, headless Chromium types a question."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(__file__).resolve().parent / "output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUESTION = "出口信用保险怎么支持外贸制造企业"
EXPECTED = "出口信用保险"  # every top card from the seeds carries it; 001 二、（五） among them

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout:.0f} s")


def _driver(user_data_dir: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={user_data_dir}", "--window-size=1400,1300", "--lang=zh-CN"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)


@pytest.fixture
def app_server(seed_index, tmp_path):
    """The app on a free port, reading the seed index; always terminated."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Chromium/chromedriver not installed: apt-get install chromium chromium-driver")
    pytest.importorskip("selenium", reason="selenium not installed: pip install selenium")
    port = _free_port()
    env = {**os.environ, "KB_INDEX": str(seed_index), "KB_CORPUS": str(tmp_path / "corpus"),
           "KB_EMBED_MODEL": "hash", "KB_ROOT": str(ROOT)}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(tmp_path / "streamlit.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_search_in_browser(app_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    OUTPUT.mkdir(exist_ok=True)
    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    driver = _driver(profile)
    try:
        driver.get(app_server)
        wait = WebDriverWait(driver, 60)
        box = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input[aria-label='问题']")))
        driver.save_screenshot(str(OUTPUT / "browser_start.png"))
        box.send_keys(QUESTION, Keys.ENTER)
        cards = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".kb-card-head"))
        assert cards, "no result cards"
        wait.until(lambda d: EXPECTED in d.find_element(By.CSS_SELECTOR, ".kb-text").text)
        texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".kb-text")]
        assert any(EXPECTED in t for t in texts)
        marks = driver.find_elements(By.CSS_SELECTOR, ".kb-text mark")
        assert any(m.text == EXPECTED for m in marks), "the matched term is not highlighted"
        time.sleep(0.5)  # let fonts and badges settle before the picture
        driver.save_screenshot(str(OUTPUT / "browser_search.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
