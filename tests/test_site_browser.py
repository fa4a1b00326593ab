"""The site in a real headless browser (Debian's chromium + chromedriver, selenium).

The dashboard is loaded over HTTP (``http.server`` on 127.0.0.1) and from
disk: no console errors, the injected regression is shown with its commit,
the row filter works, nothing is wider than a 1366 px window, every
interactive plot is drawn (uPlot from the vendored copy, each series' data
loaded by a ``<script>``, also from ``file://``) once scrolled to, a
benchmark named ``<script>alert(1)</script>`` is shown as text and runs
nothing. On a series page, hovering a point shows a tooltip naming its
commit, date, subject and value with its spread; a click opens the commit's
page (the commit URL template, here on the local server); dragging zooms; a
series measured at 35 of 1,772 commits spans the plot, by commit and by
date. Screenshots go to ``test-artifacts/``.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from _synthetic import fake_sha, make_series
from test_site import EVIL, series_json, site_data
from rustorch_wasm.regress.io.repository import CommitInfo
from rustorch_wasm.regress.model.findings import Report
from rustorch_wasm.regress.render.plot import series_slug
from rustorch_wasm.regress.render.site import SiteData, build_site

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


def assert_page_sound(drv, charts: bool = True) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    drv.find_element(By.TAG_NAME, "h1")  # rendered
    assert drv.find_elements(By.TAG_NAME, "img") == []        # no image: plots are drawn
    found = drv.find_elements(By.CSS_SELECTOR, "div.chart")
    assert bool(found) == charts, "no plot on the page" if charts else "plots on the page"
    for chart in found:
        drv.execute_script("arguments[0].scrollIntoView()", chart)   # drawn when seen
        try:
            WebDriverWait(drv, 10).until(lambda d: chart.get_attribute("data-drawn") == "1")
        except Exception:
            pytest.fail(f"plot {chart.get_attribute('data-src')} was not drawn: {chart.text}")
        assert chart.find_elements(By.CSS_SELECTOR, "canvas")
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
    assert_page_sound(driver, charts=False)
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
    assert_page_sound(driver, charts=False)
    links = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "table.benchmarks a")]
    assert len(links) == 3
    for href in links:
        driver.get(href)
        assert_page_sound(driver)
    for page in ("heatmap.html", "findings/regression.html"):
        driver.get(f"{server}/{page}")
        assert_page_sound(driver, charts=False)
    driver.get(f"{server}/heatmap.html")
    cell = driver.find_elements(By.CSS_SELECTOR, "table.heat td.h a")[-1]   # a cell: its series
    cell.click()
    assert "/series/" in driver.current_url
    assert_page_sound(driver)
    driver.get(f"{server}/baseline.html")
    assert EVIL in driver.find_element(By.TAG_NAME, "body").text
    assert console_errors(driver) == []
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "baseline.png"))


def point_on(driver, chart, i: int) -> tuple[int, int]:
    """Offsets from the centre of the chart's plotting area (what selenium moves
    by) to point ``i`` of its median."""
    return tuple(driver.execute_script(
        "var u = arguments[0].rrPlot, o = u.over.getBoundingClientRect();"
        "return [Math.round(u.valToPos(u.data[0][arguments[1]], 'x') - o.width / 2),"
        "        Math.round(u.valToPos(u.data[3][arguments[1]], 'y') - o.height / 2)];", chart, i))


def drawn_chart(driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    chart = driver.find_element(By.CSS_SELECTOR, "div.chart")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    WebDriverWait(driver, 10).until(lambda d: chart.get_attribute("data-drawn") == "1")
    return chart


def test_hovering_a_point_names_its_commit_and_value_and_a_click_opens_it(driver, server, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    data = site_data()
    data.commit_url = f"{server}/code/commit/{{commit}}"      # on the local server: no network
    build_site(data, site / "linked")
    key = data.series[0].key                                  # time_add, +31 % at commit 30
    doc = series_json(site / "linked", key)
    driver.set_window_size(1366, 900)
    driver.get(f"{server}/linked/series/{series_slug(key)}.html")
    chart = drawn_chart(driver)
    over = chart.find_element(By.CSS_SELECTOR, ".u-over")
    ActionChains(driver).move_to_element_with_offset(over, *point_on(driver, chart, 30)).perform()
    tip = chart.find_element(By.CSS_SELECTOR, ".rr-tip")
    WebDriverWait(driver, 5).until(lambda d: tip.is_displayed())
    text = tip.text
    value = f"{doc['median'][30]:.4g}"
    assert fake_sha(30)[:10] in text and "2026-11-25" in text, text
    assert f"{EVIL} message 30" in text                       # the subject, as text
    assert f"median {value} µs" in text and "q25–q75" in text, text
    assert "Regression +31.0%" in text, text                  # the finding at that point
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "series-hover.png"))
    # drag to zoom: the x scale narrows; then a click opens the hovered commit
    scale = "var s = arguments[0].rrPlot.scales.x; return s.max - s.min;"
    before = driver.execute_script(scale, chart)
    start, end = point_on(driver, chart, 10), point_on(driver, chart, 20)
    ActionChains(driver).move_to_element_with_offset(over, *start).click_and_hold() \
        .move_by_offset(end[0] - start[0], 0).release().perform()
    assert driver.execute_script(scale, chart) < before / 2
    page = driver.current_url
    ActionChains(driver).double_click(over).perform()       # zooms out, opens nothing
    assert driver.execute_script(scale, chart) == pytest.approx(before)
    ActionChains(driver).move_to_element_with_offset(over, *start).click_and_hold() \
        .move_by_offset(end[0] - start[0], 0).release().perform()
    chart.find_element(By.CSS_SELECTOR, "button.rr-reset").click()
    assert driver.execute_script(scale, chart) == pytest.approx(before)
    assert driver.current_url == page and console_errors(driver) == []
    ActionChains(driver).move_to_element_with_offset(over, *point_on(driver, chart, 15)).click() \
        .perform()
    WebDriverWait(driver, 5).until(lambda d: "/code/commit/" in d.current_url)
    assert driver.current_url == f"{server}/code/commit/{fake_sha(15)}"   # (a 404 there)


@pytest.mark.parametrize("via", ["http", "file"])
def test_a_sparse_series_spans_the_plot_by_commit_and_by_date(driver, server, site, via):
    """35 of 1,772 commits measured: the first and last point sit at the ends
    of the x axis, not crammed into its right quarter; by date too."""
    from selenium.webdriver.common.by import By

    commits = [fake_sha(i) for i in range(1772)]
    sparse = make_series("m.C.time_sparse", n=35, seed=4)
    sparse.columns.commits[:] = commits[-35:]
    dense = make_series("m.C.time_dense", n=1772, seed=5)
    info = {c: CommitInfo(c, f"commit {i}", "2026-11-25", 1_700_000_000 + 600 * i)
            for i, c in enumerate(commits)}
    build_site(SiteData(series=[sparse, dense], report=Report(0.2, 0.01, 2), commits=commits,
                        commit_info=info), site / "sparse")
    base = server if via == "http" else site.as_uri()
    driver.set_window_size(1366, 900)
    console_errors(driver)                  # what earlier pages logged (a 404 on purpose)
    driver.get(f"{base}/sparse/series/{series_slug(sparse.key)}.html")
    spans = ("var u = arguments[0].rrPlot, n = u.data[0].length;"
             "return [u.valToPos(u.data[0][0], 'x'), u.valToPos(u.data[0][n - 1], 'x'),"
             "        u.over.getBoundingClientRect().width, n];")
    for mode in ("commit", "date"):
        chart = drawn_chart(driver)
        first, last, width, n = driver.execute_script(spans, chart)
        assert n == 35 and width > 600
        assert first < 0.05 * width and last > 0.95 * width, (mode, first, last, width)
        if mode == "commit":
            labels = driver.execute_script("return arguments[0].rrPlot.axes[0]._values", chart)
            assert commits[-35][:7] in labels          # the x axis is labelled by its commits
            chart.find_element(By.CSS_SELECTOR, "button.rr-mode").click()   # by date
    assert console_errors(driver) == []
