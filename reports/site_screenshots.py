"""Screenshots of a built trend site in headless Chromium, for the README and docs/.

Run by ``python scripts/site_screenshots.py SITE OUT.png [--page PATH]
[--hover INDEX] [--finding] [--size 1366x900]``: opens ``SITE/PATH`` from
disk (``file://``, as a reader would), waits for the page's interactive
plots, optionally moves the mouse onto point ``INDEX`` of the first plot
(``--finding``: the first finding's point) so that its tooltip shows, and
saves a screenshot. Debian's chromium and chromedriver (``make setup``) with
the flags of ``tests/test_site_browser.py``; nothing is downloaded.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")

#: Offsets from the centre of a plot's drawing area to one point of its median.
POINT = ("var u = arguments[0].rrPlot, o = u.over.getBoundingClientRect();"
         "var i = arguments[1] < 0 ? u.data[0].length + arguments[1] : arguments[1];"
         "return [Math.round(u.valToPos(u.data[0][i], 'x') - o.width / 2),"
         "        Math.round(u.valToPos(u.data[3][i], 'y') - o.height / 2)];")


def shoot(site: Path, out: Path, page: str = "index.html", hover: int | None = None,
          finding: bool = False, size: tuple[int, int] = (1366, 900)) -> str:
    """Save the screenshot; returns the hovered tooltip's text (or "")."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    tip = ""
    try:
        driver.set_window_size(*size)
        driver.get((Path(site).resolve() / page).as_uri())
        charts = driver.find_elements(By.CSS_SELECTOR, "div.chart")
        if charts:
            WebDriverWait(driver, 15).until(lambda d: charts[0].get_attribute("data-drawn") == "1")
        if charts and (hover is not None or finding):
            chart = charts[0]
            index = hover if hover is not None else driver.execute_script(
                "var f = arguments[0].rrDoc.findings; return f.length ? f[0].index : -1;", chart)
            driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                                  " + window.scrollY - 150)", chart)
            over = chart.find_element(By.CSS_SELECTOR, ".u-over")
            ActionChains(driver).move_to_element_with_offset(
                over, *driver.execute_script(POINT, chart, index)).perform()
            time.sleep(0.3)
            tip = chart.find_element(By.CSS_SELECTOR, ".rr-tip").text
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return tip


def run(site: Path, out: Path, page: str, hover: int | None, finding: bool, size: str) -> int:
    width, _, height = size.partition("x")
    tip = shoot(site, out, page, hover, finding, (int(width), int(height)))
    print(f"{out}" + (f" (tooltip: {' / '.join(tip.splitlines())})" if tip else ""))
    return 0
