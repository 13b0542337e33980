"""End to end in a real Chromium: sign up, upload, watch it stream, edit, watch again."""

import json
import shutil
import time

import pytest
from PIL import Image
from skimage import data

from tests.liveserver import ROOT, LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "var" / "e2e"

# Installed on every page before its own scripts: records each stage the progress bar shows,
# with the time it appeared, so the test can see the bar move without racing it; records
# every websocket message's arrival (wall clock, ms) and the moment "Create" was clicked.
RECORD_STAGES = """
window.__stages = [];
window.__ws = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (...args) {
  const sock = new NativeWebSocket(...args);
  sock.addEventListener('message', (m) => {
    try {
      const e = JSON.parse(m.data);
      window.__ws.push({type: e.type, stage: e.stage || '', t: Date.now()});
    } catch (err) {}
  });
  return sock;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
document.addEventListener('click', (e) => {
  if (e.target.closest && e.target.closest('#create-button')) {
    sessionStorage.setItem('clickedAt', String(Date.now()));
  }
}, true);
document.addEventListener('DOMContentLoaded', () => {
  const seen = (el) => {
    const text = el.textContent.trim();
    const last = window.__stages[window.__stages.length - 1];
    if (!last || last.stage !== text) window.__stages.push({stage: text, t: performance.now()});
  };
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.classList && el.classList.contains('progress-stage')) seen(el);
      if (el && el.querySelectorAll) el.querySelectorAll('.progress-stage').forEach(seen);
    }
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true});
});
"""


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    yield site
    site.stop(grace=2)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_up_create_watch_and_edit(site, page, tmp_path):
    selfie = tmp_path / "selfie.jpg"
    Image.fromarray(data.astronaut()).resize((1024, 1024)).save(selfie, quality=90)

    page.goto(site.url + "/accounts/signup/")
    page.fill("#id_username", "grace")
    page.fill("#id_password1", "Hopper-Cobol-1959")
    page.fill("#id_password2", "Hopper-Cobol-1959")
    shot(page, "01-signup")
    page.click("button[type=submit]")
    page.wait_for_url("**/avatars/new/")

    page.set_input_files("input[name=photo]", str(selfie))
    page.locator("#photo-preview").wait_for(state="visible")
    page.click("label.style-card:has-text('Comics')")
    shot(page, "02-create")
    clicked = time.monotonic()
    page.click("#create-button")
    page.wait_for_url("**/avatars/*/")
    page.locator("#result[src]").wait_for(state="visible", timeout=60_000)
    finished = time.monotonic()
    shot(page, "03-done")
    stages = page.evaluate("window.__stages")
    names = [s["stage"] for s in stages]
    assert len(set(names) - {"queued"}) >= 2, names
    assert "Download PNG" in page.inner_text("#downloads")

    page.fill("#edit-form input[name=instruction]", "add round glasses and make it warmer")
    page.click("#edit-form button")
    page.wait_for_url("**/avatars/*/")
    page.wait_for_function("() => document.body.dataset.lastDone !== undefined", timeout=60_000)
    # The timeline catches up without a reload: v2 is current, v1 can be branched from.
    page.wait_for_function(
        "() => document.getElementById('timeline').innerText.includes('Edit from here')",
        timeout=10_000,
    )
    assert "current" in page.inner_text("#timeline li:first-child")  # v2, newest first
    assert "Version 2" in page.inner_text("#shown-caption")
    shot(page, "04-edited")
    edit_stages = [s["stage"] for s in page.evaluate("window.__stages")]
    assert len(set(edit_stages) - {"queued"}) >= 2, edit_stages
    assert "glasses" in page.inner_text("#model-text").lower()
    assert page.locator("#timeline li").count() == 2

    (SHOTS / "timings.json").write_text(
        json.dumps({"click_to_done_s": finished - clicked, "stages": stages})
    )
