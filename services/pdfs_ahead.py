"""Responsible for keeping the PDF workers busy across batches: a batch's PDFs can be started ahead of its
turn (while the batch before it is stored), and are then picked up by the page they were made from.

A PDF started ahead is used only for a page whose HTML is exactly the HTML it was rendered from, so a
page that changed in between is simply rendered again. At most AHEAD_LIMIT are kept waiting; the oldest
are dropped first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from services.rendering import pdf_futures, render_pdf

AHEAD_LIMIT = 200

_lock = threading.Lock()
_ahead: dict[str, Future[bytes]] = {}  # by the HTML each is rendered from, oldest first


def render_ahead(htmls: Sequence[str]) -> None:
    """Start the PDFs of these pages in the worker processes, without waiting. Nothing when PDFs are
    rendered in this process (there would be no one to render them meanwhile)."""
    with _lock:
        new = [html for html in dict.fromkeys(htmls) if html not in _ahead]
    futures = pdf_futures(new) if new else None
    if futures is None:
        return
    with _lock:
        _ahead.update(zip(new, futures, strict=True))
        while len(_ahead) > AHEAD_LIMIT:
            _ahead.pop(next(iter(_ahead))).cancel()


def pdfs_in_turn(htmls: Sequence[str]) -> Iterator[bytes]:
    """The PDF of each page, in order, each as soon as it is ready (started ahead, started now in the
    workers, or rendered in this process), while the workers go on with the rest."""
    with _lock:
        futures: list[Future[bytes] | None] = [_ahead.pop(html, None) for html in htmls]
    missing = [n for n, future in enumerate(futures) if future is None]
    started = pdf_futures([htmls[n] for n in missing]) if len(missing) > 1 else None
    for n, future in zip(missing, started or [], strict=False):
        futures[n] = future
    try:
        for html, future in zip(htmls, futures, strict=True):
            yield _pdf(html, future)
    finally:
        for future in futures:  # the caller stopped early (an upload failed): render nothing more
            if future is not None:
                future.cancel()


def _pdf(html: str, future: Future[bytes] | None) -> bytes:
    if future is None:
        return render_pdf(html)
    try:
        return future.result()
    except BrokenProcessPool:  # a worker died: this one is rendered here
        return render_pdf(html)
