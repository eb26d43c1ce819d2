"""A tiny strict DER reader/writer, enough to walk Kazakh GOST keys that asn1crypto cannot parse."""
from __future__ import annotations


class DerError(ValueError):
    pass


def read_tlv(buf: bytes, pos: int = 0) -> tuple[int, int, int, int]:
    """Parse one TLV at ``pos``; returns (tag, content_start, content_end, next_pos)."""
    try:
        tag = buf[pos]
        if tag & 0x1F == 0x1F:
            raise DerError("multi-byte tags not supported")
        ln = buf[pos + 1]
        p = pos + 2
        if ln & 0x80:
            n = ln & 0x7F
            if n == 0 or n > 4:
                raise DerError("bad length")
            ln = int.from_bytes(buf[p:p + n], "big")
            p += n
    except IndexError as exc:
        raise DerError("truncated") from exc
    end = p + ln
    if end > len(buf):
        raise DerError("truncated")
    return tag, p, end, end


def children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, s, e, pos = read_tlv(buf, pos)
        if pos > end:
            raise DerError("child overruns parent")
        out.append((tag, s, e))
    return out


def decode_oid(body: bytes) -> str:
    if not body:
        raise DerError("empty OID")
    parts, val = [], 0
    for b in body:
        val = (val << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(val)
            val = 0
    if body[-1] & 0x80:
        raise DerError("bad OID")
    first = parts[0]
    head = [0, first] if first < 40 else ([1, first - 40] if first < 80 else [2, first - 80])
    return ".".join(str(x) for x in head + parts[1:])


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def encode_oid(dotted: str) -> bytes:
    nums = [int(x) for x in dotted.split(".")]
    out = bytearray()
    for i, n in enumerate([nums[0] * 40 + nums[1]] + nums[2:]):
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def octet_string(b: bytes) -> bytes:
    return tlv(0x04, b)


def bit_string(b: bytes) -> bytes:
    return tlv(0x03, b"\x00" + b)
