"""The site in a real headless browser (Debian's chromium + chromedriver, selenium).

The dashboard is loaded over HTTP (``http.server`` on 127.0.0.1) and from
disk: no console errors, the injected regression is shown with its commit,
the row filter works, nothing is wider than a 1366 px window, every plot
image decodes (naturalWidth > 0, lazy ones once scrolled to), a benchmark
named ``<script>alert(1)</script>`` is shown as text and runs nothing. A
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


def assert_page_sound(drv, images: bool = True) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    drv.find_element(By.TAG_NAME, "h1")  # rendered
    found = drv.find_elements(By.TAG_NAME, "img")
    assert bool(found) == images, "no plot on the page" if images else "images on the page"
    for img in found:
        drv.execute_script("arguments[0].scrollIntoView()", img)   # lazy ones load when seen
        loaded = "return arguments[0].complete && arguments[0].naturalWidth"
        try:
            WebDriverWait(drv, 10).until(lambda d: d.execute_script(loaded, img))
        except Exception:
            pytest.fail(f"image {img.get_attribute('src')} did not load")
    assert drv.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), "wider than the window"
    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert.text  # noqa: B018  the <script> name must not have run
    assert console_errors(drv) == []


@pytest.mark.parametrize("via", ["http", "file"])
def test_dashboard_in_browser(driver, server, site, via):
    from selenium.webdriver.common.by import By

    base = server if via == "http" else site.as_uri()
    driver.set_window_size(1366, 900)
    driver.get(f"{base}/index.html")
    assert_page_sound(driver, images=False)
    groups = driver.find_elements(By.CSS_SELECTOR, "tbody.group")
    assert len(groups) == 2
    assert "tensor_ops.Add.time_add" in groups[0].text and fake_sha(30)[:10] in groups[0].text
    assert "+31.0%" in groups[0].text
    body = driver.find_element(By.TAG_NAME, "body").text
    assert EVIL in body  # shown as text, in the improvement's row and the commit messages
    assert len(driver.find_elements(By.XPATH, "//script")) == 1     # the inline filter
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"dashboard-{via}.png"))
    # the filter: by text, by kind; clearing it shows every row again
    query = driver.find_element(By.CSS_SELECTOR, "#filter input[name=q]")
    assert query.is_displayed()
    query.send_keys("time_add")
    assert [g.is_displayed() for g in groups] == [True, False]
    assert driver.find_element(By.ID, "shown").text == "1 of 2 shown"
    query.clear()
    query.send_keys(" ")                      # an input event; blank matches all
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.CSS_SELECTOR, "#filter select[name=kind]")).select_by_value(
        "improvement")
    assert [g.is_displayed() for g in groups] == [False, True]
    # one click to a group's details: every finding and its plot
    driver.get(f"{base}/index.html")
    driver.find_element(By.CSS_SELECTOR, "tbody.group a[href^='commit/']").click()
    assert_page_sound(driver)
    assert "+31.0%" in driver.find_element(By.TAG_NAME, "body").text


def test_benchmark_pages_load_their_plots(driver, server):
    from selenium.webdriver.common.by import By

    driver.set_window_size(1366, 900)
    driver.get(f"{server}/benchmarks.html")
    assert_page_sound(driver, images=False)
    links = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "table.benchmarks a")]
    assert len(links) == 3
    for href in links:
        driver.get(href)
        assert_page_sound(driver)
    for page in ("heatmap.html", "findings/regression.html"):
        driver.get(f"{server}/{page}")
        assert_page_sound(driver, images=page == "heatmap.html")
    driver.get(f"{server}/baseline.html")
    assert EVIL in driver.find_element(By.TAG_NAME, "body").text
    assert console_errors(driver) == []
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "baseline.png"))
