"""Tagged PDFs rendered a batch at a time: in the worker processes, or in this process when asked to."""

from __future__ import annotations

import gc
import io

import pytest
from pypdf import PdfReader

from services import rendering


def _page(n: int) -> str:
    return (
        f'<!doctype html><html lang="en"><head><title>Letter {n}</title></head>'
        f"<body><h1>Letter {n}</h1><p>For project number {n}.</p></body></html>"
    )


def _text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _is_tagged(pdf: bytes) -> bool:
    return "/StructTreeRoot" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]


@pytest.mark.parametrize("workers", ["2", "1"])
def test_a_batch_of_pdfs_comes_back_tagged_and_in_the_order_given(
    workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", workers)
    pages = [_page(n) for n in range(5)]

    pdfs = rendering.render_pdfs(pages)

    assert [f"project number {n}." in _text_of(pdf) for n, pdf in enumerate(pdfs)] == [True] * 5
    assert all(_is_tagged(pdf) for pdf in pdfs)


def test_the_workers_render_what_this_process_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", "2")
    rendering.start_pdf_workers()

    from_workers = rendering.render_pdfs([_page(1), _page(2)])

    in_process = [rendering.render_pdf(_page(1)), rendering.render_pdf(_page(2))]
    assert [_text_of(pdf) for pdf in from_workers] == [_text_of(pdf) for pdf in in_process]


def _styled_page(n: int) -> str:
    return (
        f'<!doctype html><html lang="en"><head><title>Styled {n}</title>'
        "<style>@page { size: A5; margin: 1cm } h1 { font-size: 40pt; color: #00703c }</style>"
        "<style>p { break-before: page }</style></head>"
        f"<body><h1>Styled {n}</h1><p>A second page.</p></body></html>"
    )


def test_a_page_style_parsed_once_renders_what_weasyprint_renders_from_the_page_itself() -> None:
    from weasyprint import HTML

    for n in (1, 2):
        as_is = HTML(string=_styled_page(n)).write_pdf(
            pdf_variant="pdf/ua-1", font_config=rendering._font_configuration()
        )
        assert rendering.render_pdf(_styled_page(n)) == as_is
    reader = PdfReader(io.BytesIO(rendering.render_pdf(_styled_page(3))))
    assert len(reader.pages) == 2 and round(float(reader.pages[0].mediabox.width)) == 420  # A5, in points
    assert reader.metadata.title == "Styled 3" and reader.trailer["/Root"]["/Lang"] == "en"


def test_workers_keep_what_they_loaded_on_start_out_of_garbage_collections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COGRANT_PDF_WORKERS", "2")
    rendering.start_pdf_workers()

    frozen = rendering._worker_pool(2).submit(gc.get_freeze_count).result(timeout=60)

    assert frozen > 1000  # WeasyPrint's modules, Pango's bindings, the fonts
