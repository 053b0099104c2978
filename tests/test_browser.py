"""The app in a real browser: `streamlit run app.py` on a free port, headless Chromium visits every page.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them) and selenium (the test extras);
without them the test is skipped. A CJK font (`fonts-wqy-microhei`) makes the screenshots readable. Screenshots,
one per page, go to tests/output/browser/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(__file__).resolve().parent / "output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUESTION = "出口信用保险怎么支持外贸制造企业"
EXPECTED = "出口信用保险"  # every top card from the seeds carries it; 001 二、（五） among them
MEASURE = "出口信用保险"  # one of the 对比 page's example buttons
SEED_DOCS = 5  # two national, two municipal drafts, one county
WAIT = 30  # seconds: the bound on every wait for the app to answer
SHOT_MAX_HEIGHT = 6000  # pixels: full-page screenshots, but not unbounded ones

ADMIN_PASSWORD = "browser-admin-secret"


def _missing() -> str:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return f"Chromium/chromedriver not installed ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed: pip install -e '.[test]'"
    return ""


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


MISSING = _missing()
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason=MISSING)]


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
    # --disable-quic and a fresh profile: on closed networks Chromium's background connections are refused
    # and an old profile's state would leak between runs.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}", "--window-size=1400,1400",
                "--lang=zh-CN"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)


@pytest.fixture
def app_server(seed_index, seed_corpus, tmp_path):
    """The app on a free loopback port, reading the seed index and a copy of the seed corpus; always terminated."""
    port = _free_port()
    env = {**os.environ, "KB_INDEX": str(seed_index), "KB_CORPUS": str(seed_corpus),
           "KB_EMBED_MODEL": "hash", "KB_ROOT": str(tmp_path), "KB_ALLOW_ADMIN": "1",
           "KB_ADMIN_PASSWORD": ADMIN_PASSWORD}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"]
    log_path = tmp_path / "streamlit.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in the finally below
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
        print(f"\nstreamlit log ({log_path}):\n{log_path.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def browser():
    """Headless Chromium with a fresh profile; quit and the profile removed even when the test fails."""
    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    driver = _driver(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _label(element) -> str:
    """A button's or link's words: a material icon renders as its name on a line of its own before them."""
    lines = element.text.strip().splitlines()
    return lines[-1].strip() if lines else ""


class Page:
    """Small helpers over one Streamlit session in the browser: waits are bounded, elements found by test id."""

    def __init__(self, driver, name: str = "start") -> None:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.name = name
        # Streamlit replaces elements on every rerun: a stale element only means "look again".
        self.wait = WebDriverWait(driver, WAIT, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))

    def css(self, selector: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def until(self, check, what: str):
        """Wait for check(driver) to be truthy; on timeout, name what was awaited and on which page."""
        from selenium.common.exceptions import TimeoutException

        try:
            return self.wait.until(check)
        except TimeoutException:
            self.shot(f"{self.name}_timeout")
            raise AssertionError(f"{self.name}: no {what} within {WAIT} s") from None

    def idle(self) -> None:
        """Wait until the script run has finished: no 'running' indicator and no greyed-out stale elements."""
        self.until(lambda d: not self.css("[data-testid='stStatusWidgetRunningIcon'], [data-stale='true']")
                   and self.css("h1"), "finished script run")

    def button(self, label: str, scope: str = "") -> object:
        """The first enabled button whose text is the label."""
        def find(_):
            return next((b for b in self.css(f"{scope} button".strip())
                         if _label(b) == label and b.is_enabled()), None)
        return self.until(find, f"button {label!r}")

    def click(self, element) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def tab(self, label: str) -> None:
        self.click(self.until(lambda _: next((t for t in self.css("[data-testid='stTab']") if _label(t) == label), None),
                              f"tab {label!r}"))

    def goto(self, title: str) -> None:
        """Open a page through the sidebar menu, so the session (and its citation list) is kept."""
        self.name = title
        link = self.until(lambda _: next((a for a in self.css("[data-testid='stSidebarNavLink']")
                                          if _label(a) == title), None), f"menu entry {title!r}")
        self.click(link)
        self.until(lambda _: any(h.text.strip() == title for h in self.css("h1")), f"title {title!r}")
        self.idle()

    def body_text(self) -> str:
        return self.css("body")[0].text

    def check_clean(self) -> None:
        """No exception box, no error alert, no markup shown as text."""
        boxes = self.css("[data-testid='stException']")
        assert not boxes, f"{self.name}: Streamlit exception: {boxes[0].text[:500]}"
        errors = self.css("[data-testid='stAlertContentError']")
        assert not errors, f"{self.name}: error shown: {errors[0].text[:500]}"
        text = self.body_text()
        for raw in ("<div", "<span", "<mark", "&lt;", "&amp;", "class=\"kb-"):
            assert raw not in text, f"{self.name}: raw HTML {raw!r} shown as text"
        assert "Traceback" not in text, f"{self.name}: a traceback is shown"

    def shot(self, name: str, whole: bool = True) -> Path:
        """The whole page from its top: the window is stretched to the main area's height for the picture.
        `whole=False`: the window as the user sees it, scrolled where the app put it."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        if not whole:
            _settled(self.driver)
            self.driver.save_screenshot(str(path))
            return path
        height = self.driver.execute_script(
            "const m = document.querySelector('[data-testid=\"stMain\"]'); if (!m) return 0;"
            "m.scrollTop = 0; return m.scrollHeight;")
        size = self.driver.get_window_size()
        self.driver.set_window_size(size["width"], min(max(size["height"], height + 200), SHOT_MAX_HEIGHT))
        try:
            _settled(self.driver)
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(size["width"], size["height"])
        return path


def _settled(driver) -> None:
    """Fonts (text and icons) loaded and two frames drawn, so a screenshot shows glyphs in their final layout."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "document.fonts.ready.then(() => requestAnimationFrame(() => requestAnimationFrame(() => done())));")


@pytest.mark.timeout(300)  # six pages and a reading step on a loaded 2-core machine
def test_every_page_in_browser(app_server, browser):
    """检索 → 对比 → 文件 → 引用清单 → 管理 in one session, the way a first-time user would go, a screenshot each."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if not _has_cjk_font():
        warnings.warn("no CJK font: the screenshots show boxes for Chinese (apt-get install fonts-wqy-microhei)",
                      stacklevel=1)
    browser.set_script_timeout(WAIT)
    browser.get(app_server)
    page = Page(browser, "检索")

    # 检索: type the question, see highlighted cards, put the first result into the citation list
    box = page.until(lambda _: next((e for e in page.css("input[aria-label='问题']") if e.is_enabled()), None),
                     "question box")
    page.idle()
    page.shot("search_start")
    box.send_keys(QUESTION, Keys.ENTER)
    page.until(lambda _: page.css("[class*='st-key-hit_'] .kb-text"), "result cards")
    page.idle()
    texts = [e.text for e in page.css(".kb-text")]
    assert any(EXPECTED in t for t in texts), texts[:3]
    assert any(m.text == EXPECTED for m in page.css(".kb-text mark")), "the matched term is not highlighted"
    first = page.css("[class*='st-key-hit_']")[0]
    clause_id = next(c for c in first.get_attribute("class").split() if c.startswith("st-key-hit_"))[len("st-key-hit_"):]
    heading = first.find_element(By.CSS_SELECTOR, ".kb-card-head").text
    page.click(page.button("加入引用清单", f".st-key-hit_{clause_id}"))
    page.until(lambda _: any(_label(b) == "已在引用清单" for b in page.css(f".st-key-hit_{clause_id} button")),
               "the added result marked 已在引用清单")
    page.idle()
    page.check_clean()
    page.shot("search")

    # 在原文中查看: the 文件 page opens the document at that clause, framed, beside the outline
    page.click(page.button("在原文中查看", f".st-key-hit_{clause_id}"))
    page.name = "在原文中查看"
    page.until(lambda _: any(h.text.strip() == "文件" for h in page.css("h1")), "the 文件 page")
    focus = page.until(lambda _: next(iter(page.css(".kb-full #kb-focus")), None), "the framed clause")
    page.until(lambda _: page.css(".st-key-ol_tree button"), "the clickable outline")
    page.idle()
    assert page.css(".kb-full .kb-trail"), "no heading path above the clause"
    page.until(lambda d: d.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;", focus),
        "the clause scrolled into view")
    assert page.css(f".st-key-ol_{clause_id} button[kind='primary']"), "the clause not marked in the outline"
    page.check_clean()
    page.shot("in_context", whole=False)

    # 对比: one measure across the seed documents, a table row per document and one for the level without any
    page.goto("对比")
    page.check_clean()
    page.click(page.button(MEASURE))
    page.until(lambda _: page.css("[class*='st-key-cmp_row_']"), "table rows")
    page.idle()
    rows = page.css("[class*='st-key-cmp_row_']")
    levels = ["国家", "省级", "市级", "县级"]
    assert len(rows) == SEED_DOCS + 1, f"{len(rows)} rows for {SEED_DOCS} seed documents and the empty 省级"
    empty = [r for r in rows if "本级无纳入比较的文件" in r.text]
    assert len(empty) == 1 and "省级" in empty[0].text
    shown = [next(lv for lv in levels if lv in r.text.split()[0]) for r in rows]
    assert shown == sorted(shown, key=levels.index), shown  # national first, county last
    for row in rows:  # each document row shows its clause(s) or says it has none
        if row in empty:
            continue
        assert row.find_elements(By.CSS_SELECTOR, ".kb-card-head") or "无对应条款" in row.text, row.text[:200]
    # readable at 1,400 px: the table fits the page, nothing scrolls sideways
    overflow = browser.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]');"
        "return [m.scrollWidth - m.clientWidth, document.documentElement.scrollWidth - window.innerWidth];")
    assert max(overflow) <= 1, f"horizontal overflow {overflow} px at {browser.get_window_size()['width']} px"
    texts = [e for e in page.css("[class*='st-key-cmp_row_'] .kb-cell-text") if e.is_displayed()]
    assert texts and min(e.size["width"] for e in texts) >= 360, [e.size["width"] for e in texts]
    labels = [_label(b) for b in page.css("[data-testid='stDownloadButton'] button")]
    assert {"下载对照表 Word", "下载对照表 Excel"} <= set(labels), labels
    page.check_clean()
    page.shot("compare")
    add_all = next(b for b in page.css("button") if _label(b).startswith("全部加入引用清单"))
    page.click(add_all)
    page.until(lambda _: any(_label(b) == "已全部在引用清单" for b in page.css("button")), "all clauses added")
    page.idle()
    # the other tabs: two documents clause by clause, and the topic heatmap drawn by Vega
    page.tab("逐条对照")
    page.until(lambda _: len([m for m in page.css("[data-testid='stMetric']") if m.is_displayed()]) == 3,
               "three alignment counts")
    page.tab("主题覆盖")
    page.until(lambda _: any(c.is_displayed() for c in page.css("[data-testid='stVegaLiteChart'] canvas, "
                                                                "[data-testid='stVegaLiteChart'] svg")),
               "the coverage heatmap")
    labels = page.css("[data-testid='stVegaLiteChart'] .role-axis-label text")
    hidden = [t.text or t.get_attribute("textContent") for t in labels if t.get_attribute("opacity") == "0"]
    assert labels and not hidden, f"heatmap axis labels hidden: {hidden}"
    page.check_clean()
    page.shot("compare_coverage")

    # 文件: the corpus table and the chosen document's outline
    page.goto("文件")
    expander = page.until(lambda _: next((e for e in page.css("[data-testid='stExpander'] summary")
                                          if "语料一览" in e.text), None), "the 语料一览 expander")
    assert f"{SEED_DOCS} 份文件" in expander.text, expander.text
    page.click(expander)
    page.until(lambda _: page.css("[data-testid='stExpander'] [data-testid='stDataFrame']"), "the documents table")
    page.until(lambda _: page.css(".st-key-ol_tree button"), "the outline")
    page.until(lambda _: page.css(".kb-full"), "the full text")
    page.idle()
    page.check_clean()
    page.shot("documents")

    # 引用清单: the clause added on 检索, and one export button per format
    page.goto("引用清单")
    page.until(lambda _: page.css(f".st-key-cite_{clause_id} .kb-card-head"), "the added clause")
    cited = page.css(f".st-key-cite_{clause_id} .kb-card-head")[0].text
    assert heading.split()[-1] in cited, (heading, cited)
    exports = [_label(b) for b in page.css("[data-testid='stDownloadButton'] button")]
    assert len(exports) >= 4 and all(t.startswith("导出") for t in exports), exports
    page.check_clean()
    page.shot("citations")

    # 管理: the upload widget and the seed files listed as indexed
    page.goto("管理")
    password = page.until(lambda _: next((e for e in page.css("input[type='password']") if e.is_enabled()), None),
                          "the administrator password box")
    password.send_keys(ADMIN_PASSWORD)
    page.click(page.button("登录"))
    page.until(lambda _: page.css("[data-testid='stFileUploader'] input[type='file']"), "the upload widget")
    page.until(lambda _: f"语料目录中的文件（{SEED_DOCS}）" in page.body_text(), "the corpus files listed")
    assert page.css("[data-testid='stDataFrame']"), "no table of the corpus files"
    page.check_clean()
    page.shot("admin")
