"""Set-up as the README describes it: what .ci/run installs for the browser test, and a quiet `make run`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_names_what_ci_installs_for_the_browser_test():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    packages = set(re.findall(r"need\+=\(([\w-]+)\)", ci))
    assert packages == {"chromium", "chromium-driver", "fonts-wqy-microhei"}
    readme = (ROOT / "README.md").read_text("utf-8")
    install = next(line for line in readme.splitlines() if line.startswith("sudo apt-get install"))
    assert packages <= set(install.split())
    assert "pytest tests/test_browser.py" in readme and "skipped" in readme


def test_make_run_does_not_look_up_the_external_ip():
    """Without a server address Streamlit asks the internet for this machine's IP and logs a warning when it
    cannot (offline machines always): `make run` names the address, and drops Streamlit's INFO lines."""
    run = re.search(r"^run:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text("utf-8"), re.M).group(1)
    assert "--browser.serverAddress" in run or "--server.address" in run
    assert "--logger.level warning" in run
