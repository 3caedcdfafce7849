"""The spec sheet in a real browser: Debian's chromium, headless, driven by selenium through
chromedriver, opens the sheet straight from disk (file://, as a jeweler double-clicks it),
waits until model-viewer has loaded the GLB, and the screenshot shows the ring drawn in the
viewer's box; the page states the weight and the size; nothing was fetched from the
network (the viewer is beside the sheet, the model inline)."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from aura_addon.builder import pipeline
from aura_addon.jewelry.spec import DesignSpec
from aura_addon.showcase import make_showcase

LOAD_TIMEOUT_S = 120  # software WebGL on a busy 2-core machine


def _browser() -> webdriver.Chrome:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    assert chromium and driver, "chromium and chromedriver are needed: `make tools` installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1000,1000",
        # WebGL without a GPU: ANGLE on SwiftShader, the software rasteriser in chromium
        "--use-gl=angle",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--ignore-gpu-blocklist",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # every request
    return webdriver.Chrome(service=Service(driver), options=options)


def _requested(browser) -> list[str]:
    """Every URL the page asked for, from the DevTools network events."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    result = pipeline.build(DesignSpec.from_dict({"name": "Browser solitaire"}))
    out = tmp_path_factory.mktemp("sheet")
    written = make_showcase(result, out, size=96, samples=2, views=["front", "top"])
    return result, written


@pytest.fixture(scope="module")
def page(sheet):
    _result, written = sheet
    browser = _browser()
    try:
        browser.get(f"file://{written['spec_html']}")
        WebDriverWait(browser, LOAD_TIMEOUT_S).until(
            lambda b: b.execute_script("return document.body.dataset.model || ''")
        )
        viewer = browser.find_element(By.ID, "ring-3d")
        browser.execute_script("arguments[0].scrollIntoView()", viewer)
        # two animation frames after load: the first draw is on screen
        browser.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));"
        )
        shot = Image.open(io.BytesIO(viewer.screenshot_as_png)).convert("RGB")
        yield {
            "state": browser.execute_script("return document.body.dataset.model"),
            "shot": shot,
            "text": browser.find_element(By.TAG_NAME, "body").text,
            "requested": _requested(browser),
        }
    finally:
        browser.quit()


def test_the_viewer_loads_the_ring_and_draws_it(page):
    assert page["state"] == "loaded"
    px = np.asarray(page["shot"], dtype=float)
    assert min(px.shape[:2]) > 300  # the viewer's box, not a collapsed element
    background = np.median(px.reshape(-1, 3), axis=0)
    drawn = np.abs(px - background).max(axis=2) > 40
    # a ring, not an empty canvas: a good share of the box, gold-coloured (red > blue)
    assert 0.03 < drawn.mean() < 0.8, drawn.mean()
    ring = px[drawn]
    assert ring[:, 0].mean() > ring[:, 2].mean() + 15  # 18K yellow: more red than blue


def test_the_page_shows_the_weight_and_the_size(page, sheet):
    result, _written = sheet
    report = result.report
    text = page["text"]
    assert f"{report['weight_g']:.2f} g" in text
    assert report["size"]["spec"] in text and "17.32 mm" in text
    assert "Bill of stones" in text and "round" in text and "diamond" in text
    assert "Preset" in text and "quick" in text


def test_nothing_was_fetched_from_the_network(page):
    urls = page["requested"]
    assert any(url.endswith("viewer/model-viewer.min.js") for url in urls), urls
    for url in urls:
        assert url.startswith(("file:", "data:", "blob:")), url[:200]
