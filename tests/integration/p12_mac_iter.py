#!/usr/bin/env python3
"""Rewrites the MAC iteration count of a PKCS#12 file (DER on stdin, DER on
stdout), re-encoding the enclosing lengths: a crafted file that asks the
parser for N PBKDF rounds without the test having to run them itself."""
import sys


def read_tlv(b, i):
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, b[i:i + n], i + n


def enc(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + body


def children(body):
    out, i = [], 0
    while i < len(body):
        tag, val, i = read_tlv(body, i)
        out.append((tag, val))
    return out


count = int(sys.argv[1])
der = sys.stdin.buffer.read()
tag, pfx, _ = read_tlv(der, 0)
parts = children(pfx)  # version, authSafe, macData
mac = children(parts[2][1])  # digestInfo, salt, iterations
raw = count.to_bytes((count.bit_length() + 8) // 8, "big")
mac[2] = (0x02, raw)
parts[2] = (0x30, b"".join(enc(t, v) for t, v in mac))
sys.stdout.buffer.write(enc(tag, b"".join(enc(t, v) for t, v in parts)))
