"""The site in a real headless browser (Debian's chromium + chromedriver, selenium).

The dashboard is loaded over HTTP (``http.server`` on 127.0.0.1) and from
disk: no console errors, the injected regression is shown with its commit,
every plot image decodes (naturalWidth > 0), a benchmark named
``<script>alert(1)</script>`` is shown as text and runs nothing. A
screenshot goes to ``test-artifacts/``.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from _synthetic import fake_sha
from test_site import EVIL, site_data
from rustorch_wasm.regress.render.site import build_site

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1600")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    build_site(site_data(), out)
    return out


@pytest.fixture(scope="module")
def driver():
    webdriver = pytest.importorskip("selenium.webdriver")  # a dev extra: always installed
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make setup` as root or "
                    "`sudo apt-get install chromium chromium-driver`")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None  # type: ignore[assignment]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def console_errors(drv) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def assert_page_sound(drv) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    drv.find_element(By.TAG_NAME, "h1")  # rendered
    images = drv.find_elements(By.TAG_NAME, "img")
    assert images, "no plot on the page"
    for img in images:
        width = drv.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
        assert width and width > 0, f"image {img.get_attribute('src')} did not load"
    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert.text  # noqa: B018  the <script> name must not have run
    assert console_errors(drv) == []


@pytest.mark.parametrize("via", ["http", "file"])
def test_dashboard_in_browser(driver, server, site, via):
    from selenium.webdriver.common.by import By

    base = server if via == "http" else site.as_uri()
    driver.get(f"{base}/index.html")
    assert_page_sound(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "#regressions + div tr.finding")
    assert len(rows) == 1
    assert "tensor_ops.Add.time_add" in rows[0].text and fake_sha(30)[:10] in rows[0].text
    assert "+31.0%" in rows[0].text
    body = driver.find_element(By.TAG_NAME, "body").text
    assert EVIL in body  # shown as text, in the benchmark list and the commit messages
    assert driver.find_elements(By.XPATH, "//script") == []
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"dashboard-{via}.png"))


def test_benchmark_pages_load_their_plots(driver, server):
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/index.html")
    links = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "#benchmarks + table a")]
    assert len(links) == 3
    for href in links:
        driver.get(href)
        assert_page_sound(driver)
    driver.get(f"{server}/baseline.html")
    assert EVIL in driver.find_element(By.TAG_NAME, "body").text
    assert console_errors(driver) == []
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "baseline.png"))
