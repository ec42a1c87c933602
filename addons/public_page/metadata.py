# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Uploaded pictures lose the details that can tell who took them: the
place, the device, the author and the time (Exif, XMP, IPTC, comments, text
chunks), and what hides after the end of the picture.

A part the reader does not understand is kept as it is: it is not made by a
camera or a phone, only by hand."""
import struct

# Of the application segments, those needed to draw the picture: JFIF
# (APP0), the colour profile (APP2) and Adobe's colour transform (APP14); the
# others hold Exif, XMP, IPTC, the makers' notes and the multi-picture index
JPEG_APPLICATIONS = range(0xE0, 0xF0)
JPEG_COMMENT = 0xFE
JPEG_ICC_PROFILE = b'ICC_PROFILE\x00'
JPEG_SCAN = b'\xff\xda'
JPEG_END = b'\xff\xd9'
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
PNG_DROPPED = {b'tEXt', b'zTXt', b'iTXt', b'eXIf', b'tIME'}
WEBP_DROPPED = {b'EXIF', b'XMP '}
# Flags of the extended header that announce the Exif and XMP chunks
WEBP_EXIF_XMP_FLAGS = 0x08 | 0x04


def strip_metadata(mimetype, data):
    "Return the picture without the details that can tell who took it"
    strip = {
        'image/jpeg': _strip_jpeg,
        'image/png': _strip_png,
        'image/webp': _strip_webp,
        }.get(mimetype)
    return strip(data) if strip else data


def _strip_jpeg(data):
    if not data.startswith(b'\xff\xd8'):
        return data
    kept = [data[:2]]
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        # Markers without a length, or the scan: the picture itself follows
        if not 0xC0 <= marker <= 0xFE or 0xD0 <= marker <= 0xDA:
            break
        length, = struct.unpack('>H', data[position + 2:position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            break
        segment = data[position:end]
        if _jpeg_segment_kept(marker, segment):
            kept.append(segment)
        position = end
    end = None
    if data[position:position + 2] == JPEG_SCAN:
        end = _jpeg_end(data, position)
    # The other pictures of a phone's photo follow the end, with their own
    # Exif
    kept.append(data[position:end])
    return b''.join(kept)


def _jpeg_segment_kept(marker, segment):
    if marker == JPEG_COMMENT:
        return False
    if marker in JPEG_APPLICATIONS:
        return (marker in {0xE0, 0xEE}
            or (marker == 0xE2 and segment[4:16] == JPEG_ICC_PROFILE))
    return True


def _jpeg_end(data, position):
    "Where the picture whose first scan is at position ends, or None"
    while True:
        # A segment with its length: a scan's header or a table
        if position + 4 > len(data):
            return None
        length, = struct.unpack('>H', data[position + 2:position + 4])
        position += 2 + length
        # In the coded data, 0xFF is followed by 0 or a restart marker
        while True:
            position = data.find(b'\xff', position)
            if position < 0 or position + 1 >= len(data):
                return None
            marker = data[position + 1]
            if marker in {0x00, 0xFF} or 0xD0 <= marker <= 0xD7:
                position += 1
                continue
            break
        if data[position:position + 2] == JPEG_END:
            return position + 2


def _strip_png(data):
    if not data.startswith(PNG_SIGNATURE):
        return data
    kept = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        end = position + 12 + length
        if end > len(data):
            break
        if kind not in PNG_DROPPED:
            kept.append(data[position:end])
        position = end
        if kind == b'IEND':
            # Nothing after the end
            return b''.join(kept)
    kept.append(data[position:])
    return b''.join(kept)


def _strip_webp(data):
    if len(data) < 12 or data[:4] != b'RIFF' or data[8:12] != b'WEBP':
        return data
    chunks = []
    position = 12
    while position < len(data):
        if position + 8 > len(data):
            return data
        kind = data[position:position + 4]
        size, = struct.unpack('<I', data[position + 4:position + 8])
        # Chunks are padded to an even size
        end = position + 8 + size + (size & 1)
        if end > len(data):
            return data
        if kind not in WEBP_DROPPED:
            chunk = bytearray(data[position:end])
            if kind == b'VP8X' and size:
                chunk[8] &= ~WEBP_EXIF_XMP_FLAGS
            chunks.append(bytes(chunk))
        position = end
    body = b'WEBP' + b''.join(chunks)
    return b'RIFF' + struct.pack('<I', len(body)) + body
