"""Responsible for reading an upload form straight off the request body, without a temporary file.

The body is parsed as it arrives. The CSRF token is checked when the file part begins, so no byte of a
forged upload is kept. The file's bytes stay in memory, as the pieces they arrived in, while they fit
one S3 PUT (`IN_MEMORY_BYTES`), and are joined once at the end; past that they spill to a temporary
file. Bytes past the upload limit are counted, not kept, so the page can say the file is too big.
Starlette's own parser would spool every file over 1 MB to disk and hop to a thread for each 64 KB
written, then the store would read it back; growing one in-memory file piece by piece instead copied
the whole file again at every resize, on the event loop.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from tempfile import TemporaryFile
from typing import Annotated, BinaryIO

import anyio.to_thread
from fastapi import Depends, Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import parse_options_header

from storage.s3 import SINGLE_PUT_LIMIT
from web.forms import text_values
from web.portal import MAX_FIELD_BYTES, MAX_FIELDS, check_csrf, check_declared_size, portal_of

IN_MEMORY_BYTES = SINGLE_PUT_LIMIT


@dataclass
class UploadedFile:
    filename: str
    file: BinaryIO = field(default_factory=io.BytesIO)  # the kept bytes, once the form is read
    size: int = 0  # every byte sent, including any past the limit that were not kept


@dataclass
class UploadForm:
    """The posted text fields and, if one was chosen, the file."""

    fields: dict[str, str]
    file: UploadedFile | None

    def close(self) -> None:
        if self.file is not None:
            self.file.file.close()


class _Reader:
    """python-multipart callbacks collecting fields and the one file; file bytes wait in `pending`."""

    def __init__(self, request: Request, *, file_field: str, max_bytes: int) -> None:
        self.request, self.file_field, self.max_bytes = request, file_field, max_bytes
        self.fields: dict[str, str] = {}
        self.file: UploadedFile | None = None
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.disk: BinaryIO | None = None  # a temporary file, once the kept bytes outgrow memory
        self._headers: dict[bytes, bytes] = {}
        self._header_name = self._header_value = b""
        self._part_name: str | None = None
        self._part_is_file = False
        self._data = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._add_header_name(data[start:end]),
            "on_header_value": lambda data, start, end: self._add_header_value(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._part_name, self._part_is_file = {}, None, False
        self._data = bytearray()

    def _add_header_name(self, data: bytes) -> None:
        self._header_name += data

    def _add_header_value(self, data: bytes) -> None:
        self._header_value += data

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise MultiPartException('The Content-Disposition header field "name" must be provided.')
        self._part_name = options[b"name"].decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part_is_file = filename is not None
        if not self._part_is_file:
            if len(self.fields) >= MAX_FIELDS:
                raise MultiPartException(f"Too many fields. Maximum number of fields is {MAX_FIELDS}.")
            return
        if self._part_name != self.file_field or self.file is not None:
            raise MultiPartException("Only one file can be sent here.")
        check_csrf(self.request, posted_token(self.request, self.fields))  # before any file byte is kept
        name = filename.decode("utf-8", "replace")
        self.file = UploadedFile(filename=name) if name else None

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._part_is_file:
            if len(self._data) + end - start > MAX_FIELD_BYTES:
                raise MultiPartException(f"Part exceeded maximum size of {MAX_FIELD_BYTES // 1024}KB.")
            self._data += data[start:end]
            return
        if self.file is None:
            return
        kept = max(0, min(end - start, self.max_bytes - self.file.size))
        self.file.size += end - start
        if kept:
            self.pending.append(data[start : start + kept])
            self.pending_bytes += kept

    def _part_end(self) -> None:
        if not self._part_is_file and self._part_name is not None:
            self.fields[self._part_name] = self._data.decode("utf-8", "replace")

    async def write_pending(self) -> None:
        """Keep waiting file bytes in memory while they fit; past that, write them to disk in a thread."""
        if self.file is None:
            self.pending.clear()
        elif self.disk is not None or self.pending_bytes > IN_MEMORY_BYTES:
            await anyio.to_thread.run_sync(self._to_disk)

    def _to_disk(self) -> None:
        if self.disk is None:
            self.disk = TemporaryFile()  # noqa: SIM115 - closed with the form (UploadForm.close)
        self.disk.write(b"".join(self.pending))
        self.pending.clear()

    async def finish(self) -> None:
        """Hand the kept bytes to the file: joined once in memory, or the rest written to disk."""
        if self.file is None:
            return
        if self.disk is None:
            self.file.file = io.BytesIO(b"".join(self.pending))  # shares the joined bytes, no copy
        else:
            await anyio.to_thread.run_sync(self._to_disk)
            self.file.file = self.disk
            self.disk.seek(0)
        self.pending.clear()

    def close(self) -> None:
        for stream in (self.disk, self.file.file if self.file is not None else None):
            if stream is not None:
                stream.close()


async def read_upload_form(request: Request, *, file_field: str) -> UploadForm:
    """The form of an upload page, its CSRF token checked; the file (if any) rewound and ready to read."""
    max_bytes = portal_of(request).max_upload_bytes
    check_declared_size(request, max_bytes)
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
        return UploadForm(fields=_checked_text(request, form), file=None)
    reader = _Reader(request, file_field=file_field, max_bytes=max_bytes)
    parser = MultipartParser(options[b"boundary"], reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            await reader.write_pending()
        parser.finalize()
        await reader.finish()
    except (FormParserError, MultiPartException) as error:
        reader.close()
        message = str(error) if isinstance(error, MultiPartException) else "Invalid multipart data."
        raise HTTPException(status_code=400, detail=message) from error
    except BaseException:
        reader.close()
        raise
    if reader.file is None:
        check_csrf(request, posted_token(request, reader.fields))
    request.state.typed_values = text_values(reader.fields)  # for error pages that give back what was typed
    return UploadForm(fields=reader.fields, file=reader.file)


def _checked_text(request: Request, form: FormData) -> dict[str, str]:
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    check_csrf(request, posted_token(request, fields))
    request.state.typed_values = text_values(fields)
    return fields


def posted_token(request: Request, fields: dict[str, str]) -> str | None:
    """The CSRF token from its form field, else from a header (as starlette-wtf looks for it)."""
    config = request.state.csrf_config
    token = fields.get(config["csrf_field_name"])
    headers = (request.headers.get(name) for name in config["csrf_headers"])
    return token or next((header for header in headers if header), None)


def posted_upload(file_field: str) -> Callable[[Request], AsyncIterator[UploadForm]]:
    """A dependency reading an upload page's form (file field `file_field`); the file is closed after
    the response."""

    async def posted(request: Request) -> AsyncIterator[UploadForm]:
        upload = await read_upload_form(request, file_field=file_field)
        try:
            yield upload
        finally:
            upload.close()

    return posted


PostedDocument = Annotated[UploadForm, Depends(posted_upload("document"))]
