"""The pages in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium
against ``symbackprop serve`` started in a subprocess.  It types answers, waits for the preview, submits,
reads the verdict, uses the math editor, loads a student's homework, opens Explore, and saves screenshots
at desktop and phone width.

Skipped with the reason when no browser is installed; in CI (SYMBACKPROP_REQUIRE_BROWSER=1) a missing
browser fails instead.  Screenshots go to a temporary directory (printed), or to SYMBACKPROP_SCREENSHOTS.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from .web_support import EXTRA_ACTIVATION, RIGHT, running_server, write_variants

REQUIRE_ENV = "SYMBACKPROP_REQUIRE_BROWSER"
CHROMIUM = ("/usr/bin/chromium", "chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def _find(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        found = candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    return None


def require_browser() -> tuple[str, str]:
    """(chromium, chromedriver); skip with the reason when missing — or fail, when CI says they must be there."""
    chromium, driver = _find(CHROMIUM), _find(CHROMEDRIVER)
    missing = [name for name, path in (("chromium", chromium), ("chromium-driver", driver)) if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install '.[test]')")
    if not missing:
        return chromium, driver  # type: ignore[return-value]
    message = f"{', '.join(missing)} not installed (Debian/Ubuntu: apt-get install chromium chromium-driver)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}, but {REQUIRE_ENV}=1 requires it")
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")


def test_a_missing_browser_skips_on_a_laptop_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os.path, "isfile", lambda path: False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"set {REQUIRE_ENV}=1"):
        require_browser()
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="requires it"):
        require_browser()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    target = os.environ.get("SYMBACKPROP_SCREENSHOTS")
    directory = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    directory = tmp_path_factory.mktemp("served")
    arguments = ("--variants", str(write_variants(directory)), "--db", str(directory / "checks.sqlite"), "--explore", "--rate-limit", "0", "--workers", "1")
    with running_server(*arguments) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser():
    chromium, chromedriver = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="symbackprop-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# --- helpers -------------------------------------------------------------------------------------------

def wait(driver, condition, seconds: float = 60):  # noqa: ANN001, ANN201 - a guard against a hang, not a speed limit
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def by_id(driver, name: str):  # noqa: ANN001, ANN201
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, name)


def screenshot(driver, path: Path, *, phone: bool = False) -> Path:  # noqa: ANN001
    """The whole page (not just the window), at desktop width or as a phone shows it."""
    if phone:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        image = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000), "scale": 1},
        })
        path.write_bytes(base64.b64decode(image["data"]))
        if phone:
            overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
    finally:
        if phone:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {path}")
    return path


def type_answer(driver, text: str) -> None:  # noqa: ANN001
    field = by_id(driver, "answer-text")
    field.clear()
    field.send_keys(text)


def preview_state(driver) -> str | None:  # noqa: ANN001
    return by_id(driver, "preview").get_attribute("data-state")


def verdict_of(driver, previous: str | None = None) -> str:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    def ready(driver):  # noqa: ANN001, ANN202
        titles = driver.find_elements(By.ID, "verdict-title")
        return titles and titles[0].id != previous and titles[0].get_attribute("data-verdict")

    wait(driver, ready)
    return by_id(driver, "verdict-title").get_attribute("data-verdict")


def no_problems_in_the_console(driver, base: str) -> None:  # noqa: ANN001
    severe = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == [], severe
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(name.startswith(base) for name in resources), resources  # nothing from the internet


# --- the pages -------------------------------------------------------------------------------------------

def test_check_page_previews_checks_and_explains_a_wrong_answer(browser, server, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    wait(browser, lambda d: by_id(d, "wrt").get_attribute("value") == "b^2_1")
    assert "\\frac" not in by_id(browser, "question").text and by_id(browser, "question").find_elements(By.CLASS_NAME, "katex")

    type_answer(browser, "w^{21} + x_1")  # the trap the preview is for: w^{21} is not w^2_{21}
    wait(browser, lambda d: preview_state(d) == "error")
    assert "layer and indices" in by_id(browser, "preview").text
    assert by_id(browser, "preview").find_element(By.TAG_NAME, "mark").text == "w"

    type_answer(browser, EXTRA_ACTIVATION)
    wait(browser, lambda d: preview_state(d) == "ok" and "a" in d.find_element(By.ID, "preview").text)
    assert by_id(browser, "preview").find_elements(By.CLASS_NAME, "katex")
    by_id(browser, "answer-text").send_keys(Keys.ENTER)  # the keyboard submits
    assert verdict_of(browser) == "wrong"
    verdict = by_id(browser, "verdict").text
    assert "Likely mistake" in verdict and "weight gradient" in verdict and "Counterexample" in verdict
    assert len(browser.find_elements(By.CSS_SELECTOR, "dl.values .value")) == 15
    screenshot(browser, screenshots / "check-wrong-desktop.png")
    screenshot(browser, screenshots / "check-wrong-phone.png", phone=True)

    previous = by_id(browser, "verdict-title").id
    type_answer(browser, RIGHT)
    wait(browser, lambda d: preview_state(d) == "ok")
    by_id(browser, "check-button").click()
    assert verdict_of(browser, previous) == "correct"
    assert "exact" in by_id(browser, "verdict").text and "recorded" in by_id(browser, "verdict").text
    screenshot(browser, screenshots / "check-correct-desktop.png")
    no_problems_in_the_console(browser, server)


def test_the_page_is_usable_with_the_keyboard_alone(browser, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    wait(browser, lambda d: by_id(d, "wrt").get_attribute("value"))
    browser.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    reached = []
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        reached.append(browser.execute_script("return document.activeElement.id || document.activeElement.tagName"))
        if reached[-1] == "check-button":
            break
    for name in ("net-sizes", "net-activation", "net-bias", "wrt", "mode-math", "answer-text", "check-button"):
        assert name in reached, reached
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focused control is visibly marked


def test_the_math_editor_sends_latex_that_the_server_reads(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    wait(browser, lambda d: by_id(d, "wrt").get_attribute("value") == "b^2_1")
    by_id(browser, "mode-math").click()
    field = wait(browser, lambda d: d.find_elements(By.TAG_NAME, "math-field"))[0]
    field.send_keys("delta^2_1")
    wait(browser, lambda d: preview_state(d) == "ok")
    latex = browser.execute_script("return document.getElementById('answer-math').value")
    assert "\\delta" in latex and "^2" in latex and "_1" in latex
    assert "\\delta^{2}_{1}" in browser.execute_script("return document.querySelector('#preview annotation').textContent")
    previous = None
    field.send_keys(Keys.ENTER)
    assert verdict_of(browser, previous) == "wrong"  # δ^2_1 alone misses σ'(z^2_1)
    assert "φ" in by_id(browser, "verdict").text or "phi" in by_id(browser, "verdict").text.lower()
    by_id(browser, "mode-text").click()  # back to plain text for the other tests
    no_problems_in_the_console(browser, server)


def test_a_student_loads_their_homework_and_checks_a_part(browser, server, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    wait(browser, lambda d: not by_id(d, "student-section").get_attribute("hidden"))
    by_id(browser, "student-id").send_keys("s001", Keys.ENTER)
    parts = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#parts button"))
    assert [part.get_attribute("data-part") for part in parts] == ["1a", "1b", "3"]
    parts[0].click()
    wait(browser, lambda d: "Part 1a" in by_id(d, "question").text and "Your network" in by_id(d, "question").text)
    type_answer(browser, RIGHT)
    wait(browser, lambda d: preview_state(d) == "ok")
    by_id(browser, "check-button").click()
    assert verdict_of(browser) == "correct"
    screenshot(browser, screenshots / "check-homework-desktop.png")
    previous = by_id(browser, "verdict-title").id
    browser.find_elements(By.CSS_SELECTOR, "#parts button")[2].click()
    wait(browser, lambda d: "checked by symbackprop grade" in by_id(d, "question").text)
    type_answer(browser, "log(2) - log(3)/2")
    wait(browser, lambda d: preview_state(d) == "none")  # no preview, and not shown as an error
    by_id(browser, "check-button").click()
    assert verdict_of(browser, previous) == "not_checked"
    screenshot(browser, screenshots / "check-homework-phone.png", phone=True)
    no_problems_in_the_console(browser, server)


def test_explore_renders_the_derivation_and_the_proof(browser, server, screenshots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/explore#sizes=2,2,1&activation=sigmoid&output=&bias=1&loss=squared&wrt=b^1_1")
    wait(browser, lambda d: d.find_elements(By.ID, "proof-title"))
    assert by_id(browser, "proof-title").text.startswith("Proved: backpropagation equals the direct derivative for 9 of 9")
    headings = [element.get_attribute("textContent") for element in browser.find_elements(By.CSS_SELECTOR, ".derivation-part > h2")]
    assert headings[0] == "Forward pass (L15)" and headings[1] == "Loss" and headings[2].startswith("Direct derivative of")
    assert headings[3:] == ["Backpropagation (L7–L11, L13)", "Bias gradients (L12, the homework)",
                            "Proof: backpropagation equals the direct derivative", "Gradient bound (L14)"]
    assert len(browser.find_elements(By.CSS_SELECTOR, ".katex-display")) >= 15
    assert browser.find_elements(By.CSS_SELECTOR, ".katex-error") == []  # KaTeX typeset every formula of the document
    screenshot(browser, screenshots / "explore-desktop.png")
    screenshot(browser, screenshots / "explore-phone.png", phone=True)
    no_problems_in_the_console(browser, server)
