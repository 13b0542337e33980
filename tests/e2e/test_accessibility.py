"""axe-core finds nothing serious or critical on any page at 390 and 1280 px, and the site works
from the keyboard: a skip link first, every nav item reached by Tab with a visible focus ring."""

from __future__ import annotations

import pytest

from tests.e2e.test_layout import MORE_PAGES, PAGES, SIZES, open_page, read_page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BLOCKING = {"serious", "critical"}


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary'].replace(chr(10), ' ')}")
    return "\n".join(lines)


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", PAGES + MORE_PAGES)
def test_axe_finds_nothing_serious(toured, name, width):
    from axe_playwright_python.sync_playwright import Axe

    page = read_page(toured, name, width)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name} at {width} px:\n{readable(blocking)}"


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {text: el.textContent.trim(), tag: el.tagName, id: el.id, cls: el.className,
          inHeader: !!el.closest('header'), visible: box.bottom > 0 && box.right > 0,
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


@pytest.mark.parametrize("width", SIZES)
def test_the_skip_link_comes_first_and_lands_on_the_content(toured, width):
    page = open_page(toured, "list", width)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["cls"] == "skip-link" and first["visible"] and first["ring"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("width", SIZES)
def test_every_nav_item_is_reached_by_tab_with_a_visible_ring(toured, width):
    page = open_page(toured, "profile", width)
    expected = {"Pix Me!", "New avatar", "My avatars", "Profile", "Log out"}
    reached = {}
    for _ in range(10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["inHeader"]:
            reached[focused["text"].replace("\xa0", " ")] = focused
    assert expected <= reached.keys(), reached
    assert all(f["ring"] and f["visible"] for f in reached.values()), reached


def test_a_style_is_picked_with_the_arrow_keys_and_its_card_shows_the_focus(toured):
    page = open_page(toured, "create", 1280)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "style":
            break
    else:
        pytest.fail("Tab never reached the style picker")
    page.keyboard.press("ArrowRight")
    card = page.evaluate("""() => {
      const input = document.activeElement;
      const style = getComputedStyle(input.closest('.style-card'));
      return {checked: input.checked, label: input.closest('label').innerText.trim(),
              ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")
    assert card["checked"] and card["ring"], card
