"""Responsible for driving a page with the keyboard alone, and scanning it with axe-core, in Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_FOCUS_MATCHES = """(want) => {
  const e = document.activeElement;
  if (!e || e === document.body) return false;
  if (want.id) return e.id === want.id;
  const text = (e.innerText || e.value || '').replace(/\\s+/g, ' ').trim();
  return text.startsWith(want.text);
}"""


def tab_to(page: Any, *, text: str | None = None, element_id: str | None = None, limit: int = 120) -> None:
    """Press Tab until the focused element has this id, or its text starts with `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUS_MATCHES, {"id": element_id, "text": text}):
            return
    raise AssertionError(f"Tab never reached {element_id or text!r} on {page.url}")


def activate(page: Any, *, text: str | None = None, element_id: str | None = None) -> None:
    """Tab to a link or button and press Enter, waiting for the next page."""
    tab_to(page, text=text, element_id=element_id)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Any, element_id: str, value: str) -> None:
    tab_to(page, element_id=element_id)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def choose(page: Any, element_id: str, *, option: int = 0) -> None:
    """Tab into a radio group (or to a checkbox) and select it with Space; arrows move to a later option."""
    tab_to(page, element_id=element_id)
    page.keyboard.press("Space")
    for _ in range(option):
        page.keyboard.press("ArrowDown")  # in a radio group the arrow keys also select


def choose_file(page: Any, element_id: str, path: Path, *, tries: int = 3) -> None:
    """Tab to a file input, press Space to open the file chooser, and pick `path`.

    Chromium ignores a Space that arrives while it is still busy with the previous page (seen on a loaded
    machine), so an unanswered press is made again rather than failing the journey."""
    tab_to(page, element_id=element_id)
    for attempt in range(tries):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
        except Exception:
            if attempt == tries - 1:
                raise
            continue
        chooser.value.set_files(str(path))
        return


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
