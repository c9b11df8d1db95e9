"""Uploads to moto's S3 server over HTTP: sniffed content, size limits, checksums, and S3 being down."""

from __future__ import annotations

import hashlib
import io
import urllib.request
import zipfile

import pytest
from sqlalchemy import Engine, func, select

from cogrant.stack.ports import free_port
from models import Document
from tests.support.moto_server import MotoServer
from tests.web.conftest import Portal, make_app, make_settings
from tests.web.journey import open_round, start_application

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(portal: Portal, filename: str, data: bytes, content_type: str = "application/pdf"):
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/documents"
    browser.get(page)
    response = browser.http.post(
        page, data={"csrf_token": browser.csrf()}, files={"document": (filename, data, content_type)}
    )
    return browser, application_id, response


def _documents(portal: Portal) -> list[Document]:
    with portal.session() as session:
        return list(session.scalars(select(Document)))


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("plan.pdf", PDF, "application/pdf"),
        (
            "plan.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("voice.mp3", b"ID3\x04\x00" + b"\x00" * 200, "audio/mpeg"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
    ],
)
def test_accepted_files_are_stored_with_their_checksum(
    portal: Portal, filename: str, data: bytes, content_type: str
) -> None:
    browser, application_id, response = _upload(portal, filename, data, "application/octet-stream")

    assert response.status_code == 303, response.text
    [document] = _documents(portal)
    assert (document.filename, document.content_type, document.size) == (filename, content_type, len(data))
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert portal.app.store.get(document.key) == data
    download = browser.get(f"/applications/{application_id}/documents/{document.id}")
    assert download.status_code == 303
    with urllib.request.urlopen(download.headers["location"]) as fetched:
        assert fetched.read() == data


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.pdf", b"", "The file is empty"),
        ("big.pdf", PDF + b"0" * (1024 * 1024), "bigger than 1 MB"),
        ("report.pdf", b"MZ\x90\x00 this is a program, not a PDF", "cannot accept this type of file"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "cannot accept this type of file"),
    ],
)
def test_empty_oversized_and_disguised_files_are_refused_clearly(
    portal: Portal, filename: str, data: bytes, message: str
) -> None:
    _, _, response = _upload(portal, filename, data)

    assert response.status_code == 400
    assert message in response.text and 'href="#document"' in response.text
    assert _documents(portal) == []


def test_no_file_chosen_is_explained(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))

    response = browser.post(
        f"/applications/{application_id}/documents", from_page=f"/applications/{application_id}/documents"
    )

    assert response.status_code == 400 and "Choose a file to upload" in response.text


def test_s3_down_at_upload_says_try_again_and_saves_nothing(engine: Engine, db_url: str) -> None:
    down = make_app(make_settings(db_url, f"http://127.0.0.1:{free_port()}"), engine)
    broken = Portal(down)
    browser = broken.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(broken))
    page = f"/applications/{application_id}/documents"
    browser.get(page)

    response = browser.http.post(
        page, data={"csrf_token": browser.csrf()}, files={"document": ("plan.pdf", PDF)}
    )

    assert response.status_code == 400
    assert "Please try again" in response.text and "Nothing was saved" in response.text
    assert _documents(broken) == []


def test_removing_a_document_deletes_the_row_and_the_object(portal: Portal) -> None:
    browser, application_id, _ = _upload(portal, "plan.pdf", PDF)
    [document] = _documents(portal)

    response = browser.post(
        f"/applications/{application_id}/documents/{document.id}/remove",
        from_page=f"/applications/{application_id}/documents",
    )

    assert response.status_code == 303
    assert _documents(portal) == [] and not portal.app.store.exists(document.key)
    with portal.session() as session:
        assert session.scalar(select(func.count(Document.id))) == 0


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/documents"
    browser.get(page)

    response = browser.http.post(
        page,
        data={"csrf_token": browser.csrf()},
        files={"document": ("huge.pdf", PDF + b"0" * (3 * 1024 * 1024))},
    )

    assert response.status_code == 413 and "Files can be up to 1 MB" in response.text
    assert _documents(portal) == []


def test_an_upload_without_its_csrf_token_is_refused(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))

    response = browser.http.post(
        f"/applications/{application_id}/documents", files={"document": ("plan.pdf", PDF, "application/pdf")}
    )

    assert response.status_code == 400 and "try that again" in response.text
    assert _documents(portal) == []


def test_download_links_name_the_browser_facing_s3_endpoint(
    engine: Engine, db_url: str, moto_s3: MotoServer
) -> None:
    settings = make_settings(db_url, moto_s3.endpoint_url, s3_public_endpoint_url="https://files.example.org")
    portal = Portal(make_app(settings, engine))
    portal.app.store.ensure_bucket()
    browser, application_id, _ = _upload(portal, "plan.pdf", PDF)
    [document] = _documents(portal)

    response = browser.get(f"/applications/{application_id}/documents/{document.id}")

    assert response.headers["location"].startswith(f"https://files.example.org/{settings.s3_bucket}/")


def test_a_file_larger_than_one_put_spills_to_disk_and_is_stored_whole(
    engine: Engine, db_url: str, moto_s3: MotoServer
) -> None:
    portal = Portal(make_app(make_settings(db_url, moto_s3.endpoint_url, upload_max_mb=12), engine))
    portal.app.store.ensure_bucket()
    data = PDF + bytes(range(256)) * (9 * 4096)  # past the in-memory size, so a multipart S3 upload

    _, _, response = _upload(portal, "long.pdf", data)

    assert response.status_code == 303, response.text
    [document] = _documents(portal)
    assert (document.size, document.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert portal.app.store.get(document.key) == data


def test_a_csrf_token_sent_after_the_file_is_refused_before_the_file_is_kept(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/documents"
    browser.get(page)
    boundary = "cogrant-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="plan.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + PDF
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{browser.csrf()}\r\n--{boundary}--\r\n".encode()
    )

    response = browser.http.post(
        page, content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )

    assert response.status_code == 400 and "try that again" in response.text
    assert _documents(portal) == []


def test_a_malformed_upload_gets_a_plain_page_not_a_crash(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/documents"
    browser.get(page)

    response = browser.http.post(
        page,
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 400 and "Something went wrong" in response.text
    assert _documents(portal) == []
