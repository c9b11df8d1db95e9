"""Rendered pages kept as their HTML and tagged PDF: each pair uploads as soon as its PDF is rendered,
in the order given, and a page stored already is neither uploaded nor recorded again."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cogrant.composition import App
from models.applications import Document
from models.enums import DocumentPurpose
from services import pdfs_ahead
from services.documents import RenderedPage, store_pages
from tests.support.factories import make_application


def _page(n: int) -> str:
    return (
        f'<!doctype html><html lang="en"><head><title>Letter {n}</title></head>'
        f"<body><h1>Letter {n}</h1><p>For project number {n}.</p></body></html>"
    )


@pytest.mark.parametrize("workers", ["2", "1"])
def test_pages_are_stored_with_their_pdfs_in_order_and_once(
    workers: str, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", workers)
    with app.unit_of_work() as uow:
        application = make_application(uow.session)
        pages = [
            RenderedPage(application, DocumentPurpose.AWARD_LETTER, f"tests/{n}/letter", _page(n))
            for n in range(4)
        ]
        stored = store_pages(uow.session, app.store, pages)
        again = store_pages(uow.session, app.store, pages)
        uow.commit()

    assert [(html.key, pdf.key) for html, pdf in stored] == [
        (f"tests/{n}/letter.html", f"tests/{n}/letter.pdf") for n in range(4)
    ]
    assert [(html.id, pdf.id) for html, pdf in again] == [(html.id, pdf.id) for html, pdf in stored]
    for n, (html, pdf) in enumerate(stored):
        assert app.store.get(html.key) == _page(n).encode()
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(app.store.get(pdf.key))).pages)
        assert f"project number {n}." in text and pdf.content_type == "application/pdf"
    with app.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Document)) == 8


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdfs_started_ahead_are_used_by_their_own_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", "2")
    pdfs_ahead.render_ahead([_page(1), _page(2)])
    started = dict(pdfs_ahead._ahead)
    assert set(started) == {_page(1), _page(2)}
    changed = _page(2).replace("Letter 2", "Letter two")

    pdfs = list(pdfs_ahead.pdfs_in_turn([_page(0), _page(1), changed, _page(3)]))

    assert [
        next(phrase for phrase in ("Letter two", f"project number {n}.") if phrase in _text(pdf))
        for n, pdf in enumerate(pdfs)
    ] == ["project number 0.", "project number 1.", "Letter two", "project number 3."]
    assert set(pdfs_ahead._ahead) == {_page(2)}  # used by page 1; page 2 changed, so it waits
    assert started[_page(1)].done()
    pdfs_ahead._ahead.clear()


def test_pdfs_in_turn_in_this_process_come_in_the_order_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", "1")
    pdfs_ahead.render_ahead([_page(5)])  # nobody to render it meanwhile: nothing is started
    assert not pdfs_ahead._ahead
    pdfs = list(pdfs_ahead.pdfs_in_turn([_page(n) for n in range(3)]))
    assert [f"project number {n}." in _text(pdf) for n, pdf in enumerate(pdfs)] == [True] * 3
