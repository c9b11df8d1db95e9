"""Responsible for hashing and counting a document's bytes while its stream is read exactly once."""

from __future__ import annotations

import hashlib
from typing import BinaryIO


def read_up_to(stream: BinaryIO, limit: int) -> bytes:
    """Read until `limit` bytes or the end of `stream`, whichever comes first (short reads are retried)."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class HashingReader:
    """A forward-only reader over `head` then the rest of `stream` that hashes and counts what it yields.

    It deliberately is not seekable: an uploader that wanted to rewind would otherwise hash bytes twice.
    """

    def __init__(self, stream: BinaryIO, *, head: bytes = b"") -> None:
        self._stream = stream
        self._head = head
        self._sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1) -> bytes:
        """Return `size` bytes (fewer only at the end of the stream), or everything left if size < 0."""
        if size is None or size < 0:
            data = self._head + self._stream.read()
            self._head = b""
        else:
            data = self._head[:size]
            self._head = self._head[size:]
            if len(data) < size:
                data += read_up_to(self._stream, size - len(data))
        self._sha256.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of everything read so far."""
        return self._sha256.hexdigest()
