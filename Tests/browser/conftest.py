"""Real-browser tests of the demo page: Debian's headless Chromium driven by Selenium against the page and
the function started as `make run` starts them (harness.py).

Screenshots go to Tests/browser/out/<test>/ (BROWSER_TEST_OUT overrides the folder).
"""

import os
import shutil

import pytest

from harness import CHROMEDRIVER, CHROMIUM, OUT, LocalStack


@pytest.fixture
def out_dir(request):
    path = OUT / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def stack(out_dir):
    """Factory: stack(env={...}, demo_agent=True, cors_file=None, web_port=None) -> LocalStack."""
    started = []

    def start(**kwargs):
        s = LocalStack(out_dir / f"lambda-local-{len(started)}.log", **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def _chrome(width, height, mobile=False):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} missing: `make test-browser` installs Debian's {what} (or set CHROMIUM_BIN/CHROMEDRIVER_BIN)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-extensions", f"--window-size={width},{height}",
                "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(arg)
    if mobile:
        # A real phone viewport (a headless window cannot be narrower than 500 px).
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser():
    """A fresh headless Chromium per test (no preflight cache or page state carried between tests)."""
    driver = _chrome(1280, 900)
    yield driver
    errors = [e for e in driver.get_log("browser") if "Uncaught" in e.get("message", "")]
    driver.quit()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture
def phone_browser():
    driver = _chrome(390, 844, mobile=True)
    yield driver
    driver.quit()
