"""Responsible for rendering cogrant's documents (award letters, celebration reports): HTML with Jinja2,
and tagged PDF (PDF/UA-1, so screen readers can follow it) with WeasyPrint.

A PDF takes a tenth of a second or more of one core, nearly all of it in WeasyPrint (pure Python, so
threads do not help). A batch of them is rendered by a small pool of worker processes, one per core,
started on first use and kept for the life of the process; each keeps one font configuration (fonts are
looked up once, not per document) and each document stylesheet it has parsed: every letter carries the
same <style>, so it is taken out of the page and handed to WeasyPrint already parsed. A worker freezes
what it loaded on start (WeasyPrint, Pango, fonts) out of the garbage collector's way: a document's
thousands of short-lived boxes set off full collections that would otherwise rescan all of it.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PDF_WORKERS = 4
WARM_UP_PAGE = "<!doctype html><html lang=en><title>-</title><p>-</p></html>"
# A plain <style> element (one with a media attribute is left to WeasyPrint); the text inside one cannot
# contain "</style", so the first one found closes it.
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)

_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_failed = False
logger = logging.getLogger(__name__)


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
    )
    environment.filters["money"] = lambda value: f"{value:,.2f}"
    return environment


def render_document(template: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template).render(**context)


def render_pdf(html: str) -> bytes:
    """A tagged, accessible PDF of a self-contained HTML document (no external files are fetched)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which page-less runs never need

    stylesheets = [_stylesheet(css) for css in _STYLE.findall(html)]
    return HTML(string=_STYLE.sub("", html), url_fetcher=_no_fetching).write_pdf(
        pdf_variant="pdf/ua-1", font_config=_font_configuration(), stylesheets=stylesheets
    )


def render_pdfs(htmls: Sequence[str]) -> list[bytes]:
    """`render_pdf` of each document, in order; several at once in the worker processes."""
    global _pool_failed
    workers = pdf_workers()
    if len(htmls) < 2 or workers < 2 or _pool_failed:
        return [render_pdf(html) for html in htmls]
    try:
        return list(_worker_pool(workers).map(render_pdf, htmls))
    except BrokenProcessPool:
        # A worker could not start or died (killed, out of memory): this process renders its PDFs itself
        # from now on, starting with this batch.
        logger.warning("PDF worker processes stopped; rendering PDFs in this process instead", exc_info=True)
        _pool_failed = True
        shutdown_pdf_workers()
        return [render_pdf(html) for html in htmls]


def start_pdf_workers() -> None:
    """Start the PDF workers ahead of their first batch, without waiting (e.g. while an award waits for
    an administrator), so loading WeasyPrint and the fonts is not on the way of the first batch."""
    workers = pdf_workers()
    if workers < 2 or _pool_failed:
        return
    pool = _worker_pool(workers)
    for _ in range(workers):
        pool.submit(render_pdf, WARM_UP_PAGE)


def pdf_workers() -> int:
    """One PDF worker per core (at most four); COGRANT_PDF_WORKERS overrides, 1 renders in-process."""
    configured = os.environ.get("COGRANT_PDF_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    return max(1, min(MAX_PDF_WORKERS, os.cpu_count() or 1))


def shutdown_pdf_workers() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Spawned, not forked: the parent runs threads (Prefect, the database pool) that a fork would
            # copy mid-lock.
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare_worker,
            )
            atexit.register(shutdown_pdf_workers)
        return _pool


def _prepare_worker() -> None:
    """Load WeasyPrint and the fonts with a tiny page, then keep what is loaded out of garbage collections
    (about a tenth of an award letter's time went on rescanning it)."""
    render_pdf(WARM_UP_PAGE)
    gc.collect()
    gc.freeze()


@cache
def _font_configuration() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=16)
def _stylesheet(css: str) -> Any:
    """A document's <style>, parsed once: its selectors compiled, its declarations checked."""
    from weasyprint import CSS

    return CSS(string=css, url_fetcher=_no_fetching, font_config=_font_configuration())


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"documents are self-contained; refusing to fetch {url}")


def pdf_futures(htmls: Sequence[str]) -> list[Future[bytes]] | None:
    """`render_pdf` of each document started at once in the worker processes, as futures, so a caller can
    store each PDF as soon as it is ready, or render a batch ahead of its turn. None when PDFs are rendered
    in this process (use `render_pdfs`). A future fails with BrokenProcessPool if a worker dies."""
    workers = pdf_workers()
    if workers < 2 or _pool_failed:
        return None
    try:
        pool = _worker_pool(workers)
        return [pool.submit(render_pdf, html) for html in htmls]
    except BrokenProcessPool:
        return None
