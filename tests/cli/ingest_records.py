#!/usr/bin/python3
# ingest_records.py — print the binary grym records on stdin as
# KEY<TAB>METADATA-JSON (sorted keys) lines, for grym-ingest's CLI tests.
# An independent reader of the layout in grym-stream(5) / stream.h, so the
# tests check the bytes grym-ingest writes, not grym's own reader.
import json, struct, sys, zlib

data = sys.stdin.buffer.read()
pos = 0
while pos < len(data):
    assert data[pos:pos + 4] == b"GRYM", "bad magic at %d" % pos
    start = pos
    version, kind, flags = struct.unpack_from("<BBH", data, pos + 4)
    pos += 8
    (klen,) = struct.unpack_from("<I", data, pos); pos += 4
    key = data[pos:pos + klen].decode(); pos += klen
    (mlen,) = struct.unpack_from("<I", data, pos); pos += 4
    meta = json.loads(data[pos:pos + mlen]); pos += mlen
    (cols,) = struct.unpack_from("<I", data, pos); pos += 4
    (crc,) = struct.unpack_from("<I", data, pos)
    assert crc == zlib.crc32(data[start:pos]) & 0xffffffff, "header crc"
    pos += 4
    while True:
        stored, cflags, raw, ccrc = struct.unpack_from("<IBII", data, pos)
        pos += 13 + stored
        if stored == 0 and raw == 0:
            break
    print("%s\t%d\t%s" % (key, kind, json.dumps(meta, sort_keys=True, separators=(",", ":"))))
