#!/usr/bin/python3
"""Reads a PNG (8-bit RGB or RGBA, not interlaced, as grim writes) or a binary
PPM (`grim -t ppm`, much faster to read) for tests.

    png.py size FILE              "WIDTH HEIGHT"
    png.py pixel FILE X Y         "#rrggbb" of that pixel
    png.py count FILE COLOR...    how many pixels have each "#rrggbb" color
    png.py distinct FILE          how many different colors the picture has
    png.py box FILE COLOR         "X0 Y0 X1 Y1", the bounding box of COLOR
    png.py topng FILE OUT         writes FILE (a PPM, say) as the PNG OUT
    png.py changed FILE OTHER X0 Y0 X1 Y1
                                  "N COLORS [BX0 BY0 BX1 BY1]": how many pixels
                                  of the region differ between the two
                                  pictures, in how many colors (FILE's), and
                                  the bounding box of those that do
    png.py same FILE OTHER COLOR  exit 0 when the two pictures hold the same
                                  pixels inside the bounding box of COLOR,
                                  wherever each box stands (a card moved)

Standard library only (zlib).
"""

import struct
import sys
import zlib


def read_ppm(data):
    """A binary PPM (P6, maxval 255), as `grim -t ppm` writes: read at once."""
    fields, pos = [], 2
    while len(fields) < 3:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(int(data[pos:end]))
        pos = end
    width, height, _ = fields
    pos += 1
    stride = width * 3
    return width, height, 3, [data[pos + y * stride:pos + (y + 1) * stride] for y in range(height)]


def write_png(path, width, bpp, rows):
    """An 8-bit RGB PNG of the rows, each row unfiltered."""
    raw = b"".join(b"\0" + bytes(r[x * bpp + c] for x in range(width) for c in range(3))
                   if bpp != 3 else b"\0" + r for r in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"P6":
        return read_ppm(data)
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, color_type, _, _, interlace = header
    if depth != 8 or color_type not in (2, 6) or interlace:
        raise SystemExit(f"{path}: only 8-bit RGB/RGBA without interlace is supported")
    bpp = 3 if color_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def pixels(rows, width, bpp):
    for y, row in enumerate(rows):
        for x in range(width):
            yield x, y, row[x * bpp:x * bpp + 3]


def parse_color(text):
    text = text.lstrip("#")
    return bytes.fromhex(text)


def color_box(rows, width, bpp, color):
    xs, ys = [], []
    for x, y, px in pixels(rows, width, bpp):
        if px == color:
            xs.append(x)
            ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def crop(rows, bpp, box):
    """The RGB bytes of each row inside box (alpha dropped)."""
    x0, y0, x1, y1 = box
    return [b"".join(rows[y][x * bpp:x * bpp + 3] for x in range(x0, x1 + 1))
            for y in range(y0, y1 + 1)]


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    width, height, bpp, rows = read_png(path)
    if cmd == "size":
        print(width, height)
    elif cmd == "pixel":
        x, y = int(sys.argv[3]), int(sys.argv[4])
        print("#" + rows[y][x * bpp:x * bpp + 3].hex())
    elif cmd == "count":
        wanted = [parse_color(c) for c in sys.argv[3:]]
        counts = dict.fromkeys(wanted, 0)
        for row in rows:
            for x in range(width):
                px = row[x * bpp:x * bpp + 3]
                if px in counts:
                    counts[px] += 1
        print(" ".join(str(counts[c]) for c in wanted))
    elif cmd == "distinct":
        seen = set()
        for row in rows:
            for x in range(width):
                seen.add(row[x * bpp:x * bpp + 3])
        print(len(seen))
    elif cmd == "box":
        box = color_box(rows, width, bpp, parse_color(sys.argv[3]))
        if not box:
            return 1
        print(*box)
    elif cmd == "same":
        color = parse_color(sys.argv[4])
        o_width, _, o_bpp, o_rows = read_png(sys.argv[3])
        box = color_box(rows, width, bpp, color)
        o_box = color_box(o_rows, o_width, o_bpp, color)
        if not box or not o_box:
            print("no pixel of that color")
            return 1
        if crop(rows, bpp, box) != crop(o_rows, o_bpp, o_box):
            print(f"differ: box {box} against {o_box}")
            return 1
    elif cmd == "topng":
        write_png(sys.argv[3], width, bpp, rows)
    elif cmd == "changed":
        o_width, _, o_bpp, o_rows = read_png(sys.argv[3])
        x0, y0, x1, y1 = (int(v) for v in sys.argv[4:8])
        changed, box, colors = 0, None, set()
        x1, y1 = min(x1, width - 1), min(y1, height - 1)
        for y in range(y0, y1 + 1):
            # Most rows are alike: compare them whole first.
            if bpp == o_bpp and rows[y][x0 * bpp:(x1 + 1) * bpp] == \
                    o_rows[y][x0 * bpp:(x1 + 1) * bpp]:
                continue
            for x in range(x0, x1 + 1):
                px = rows[y][x * bpp:x * bpp + 3]
                if px != o_rows[y][x * o_bpp:x * o_bpp + 3]:
                    changed += 1
                    colors.add(px)
                    box = (min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)) \
                        if box else (x, y, x, y)
        print(changed, len(colors), *(box or ()))
    else:
        raise SystemExit(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
