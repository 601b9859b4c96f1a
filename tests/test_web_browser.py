"""The pages in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium
against ``symbackprop serve`` started in a subprocess.  It types answers, waits for the preview, submits,
reads the verdict, uses the math editor, loads a student's homework (the real variants.json of
``symbackprop homework``) and answers a matrix part, a value part and a part with a declared convention,
opens Explore, and saves screenshots at desktop and phone width.

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

from .web_support import EXTRA_ACTIVATION, RIGHT, homework_variants, running_server

REQUIRE_ENV = "SYMBACKPROP_REQUIRE_BROWSER"
CHROMIUM = ("/usr/bin/chromium", "chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
PRACTICE = "/#sizes=2,2,1&activation=sigmoid&output=&bias=1&loss=squared&wrt=b^2_1"  # a link to practise on a network


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
    arguments = ("--variants", str(homework_variants(directory)), "--db", str(directory / "checks.sqlite"), "--explore", "--rate-limit", "0", "--workers", "1")
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


def open_page(driver, url: str) -> None:  # noqa: ANN001
    """Load the page afresh (the same address with the same #fragment would not reload it)."""
    driver.get("about:blank")
    driver.get(url)


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

    open_page(browser, server + PRACTICE)
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

    open_page(browser, server + PRACTICE)
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

    open_page(browser, server + PRACTICE)
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


def load_part(driver, student: str, label: str):  # noqa: ANN001, ANN201
    """Load a student's homework (once) and choose a part; returns the part buttons."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if by_id(driver, "student-id").get_attribute("value") != student:
        by_id(driver, "student-id").clear()
        by_id(driver, "student-id").send_keys(student, Keys.ENTER)
    buttons = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#parts button"))
    next(button for button in buttons if button.get_attribute("data-part") == label).click()
    wait(driver, lambda d: f"Part {label}" in by_id(d, "question").text)
    return buttons


def check_answer(driver, text: str) -> str:  # noqa: ANN001
    previous = driver.find_elements("id", "verdict-title")
    type_answer(driver, text)
    wait(driver, lambda d: preview_state(d) == "ok")
    by_id(driver, "check-button").click()
    return verdict_of(driver, previous[0].id if previous else None)


def test_a_student_answers_a_matrix_part_and_sees_credit_entry_by_entry(browser, server, screenshots):
    from selenium.webdriver.common.by import By

    open_page(browser, server + "/")
    wait(browser, lambda d: not by_id(d, "student-section").get_attribute("hidden"))
    assert not by_id(browser, "practice-body").is_displayed() and "student id" in by_id(browser, "question").text  # homework first
    by_id(browser, "practice-toggle").click()
    wait(browser, lambda d: by_id(d, "wrt").get_attribute("value") == "b^2_1" and "∂e" in by_id(d, "question").text)
    buttons = load_part(browser, "cy", "2e")
    assert not by_id(browser, "practice-body").is_displayed()  # choosing a part folds practice away
    assert [button.get_attribute("data-part") for button in buttons] == ["1a", "1b", "1c", "2a", "2b", "2c", "2d", "2e", "3a", "4a", "4b", "5a"]
    question = by_id(browser, "question").text
    assert "3 points" in question and "Your network" in question and "each of its 6 entries earns 0.5 points" in question
    assert "This part accepts" in question and "I use δ = ∂e/∂z" in question

    type_answer(browser, "Diag(tanh^1') δ^1 x^T")  # matrix notation: the preview writes the product out entry by entry
    wait(browser, lambda d: preview_state(d) == "ok")
    assert "a 2×3 matrix" in by_id(browser, "preview").text
    assert by_id(browser, "preview").find_elements(By.CSS_SELECTOR, ".katex .mtable")  # typeset as a matrix
    answer = "[tanh'(z^1_1) δ^1_1 x_1, tanh'(z^1_1) δ^1_1 x_2, 0; tanh'(z^1_2) δ^1_2 x_1, tanh'(z^1_2) δ^1_2 x_2, tanh'(z^1_2) δ^1_2 x_3]"
    assert check_answer(browser, answer) == "partial"
    assert by_id(browser, "verdict-points").text == "2.5 of 3 points"
    cells = browser.find_elements(By.CSS_SELECTOR, "#entries td")
    assert [cell.get_attribute("data-status") for cell in cells] == ["correct", "correct", "wrong", "correct", "correct", "correct"]
    assert cells[2].find_element(By.CLASS_NAME, "entry-mark").text == "✗" and cells[2].find_element(By.CLASS_NAME, "katex")
    assert "5 of 6 entries proved right" in by_id(browser, "verdict").text and "recorded" in by_id(browser, "verdict").text
    screenshot(browser, screenshots / "homework-matrix-desktop.png")
    screenshot(browser, screenshots / "homework-matrix-phone.png", phone=True)

    assert check_answer(browser, "(a^0) (δ^1)^T Diag(tanh^1')") == "wrong"  # the transpose: named, proved
    assert by_id(browser, "verdict-mistake").text == "the transpose of ∇_W^1 e (every entry proved)"
    no_problems_in_the_console(browser, server)


def test_a_student_answers_a_value_part_and_a_convention_part(browser, server, screenshots):
    open_page(browser, server + "/")
    wait(browser, lambda d: not by_id(d, "student-section").get_attribute("hidden"))
    load_part(browser, "cy", "4a")
    assert "within ±0.0005" in by_id(browser, "question").text
    type_answer(browser, "7/8 log(7/3) + 1/8 log(1/5)")
    wait(browser, lambda d: preview_state(d) == "ok" and "≈ 0.5402" in by_id(d, "preview").text)
    assert check_answer(browser, "0.29") == "wrong"
    verdict = by_id(browser, "verdict").text
    assert "0 of 2 points" in verdict and "0.5402" not in verdict and "0.540" not in verdict  # the value is not given away
    assert check_answer(browser, "0.5402") == "correct" and by_id(browser, "verdict-points").text == "2 of 2 points"
    screenshot(browser, screenshots / "homework-value-desktop.png")

    load_part(browser, "cy", "2a")
    assert check_answer(browser, "a^2_1 - y_1") == "partial"  # right only with a ½ in the loss, not declared
    assert by_id(browser, "verdict-points").text == "0.5 of 1 point" and "mismatch of conventions" in by_id(browser, "verdict-mistake").text
    by_id(browser, "declare-half_loss").click()
    previous = by_id(browser, "verdict-title").id
    by_id(browser, "check-button").click()
    assert verdict_of(browser, previous) == "correct"
    assert "Read with the convention you declared: a ½ in the loss" in by_id(browser, "verdict").text
    screenshot(browser, screenshots / "homework-convention-phone.png", phone=True)
    by_id(browser, "declare-half_loss").click()  # leave the page as the next test expects it
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
