# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Pictures made by Chromium (a JPEG and a WebP with a colour profile, a
PNG) are given what a phone adds to a photo; stripped, they come back as
they were, byte for byte."""
import pathlib
import struct
import unittest
import zlib

from trytond.modules.public_page.metadata import strip_metadata

FOLDER = pathlib.Path(__file__).parent
# What a phone writes in a photo and must not reach the case officers
SECRETS = [b'31.2304', b'121.4737', b'iPhone', b'SN-4F2A9', '王小明'.encode()]
GPS_EXIF = (b'Exif\x00\x00MM\x00*\x00\x00\x00\x08'
    b'GPS 31.2304 N 121.4737 E; iPhone 15 Pro SN-4F2A9')
XMP = ('http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>王小明'
    '</dc:creator></x:xmpmeta>').encode()


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack('>H', len(payload) + 2) + payload


def png_chunk(kind, payload):
    return (struct.pack('>I', len(payload)) + kind + payload
        + struct.pack('>I', zlib.crc32(kind + payload)))


def webp_chunk(kind, payload):
    padding = b'\x00' if len(payload) % 2 else b''
    return kind + struct.pack('<I', len(payload)) + payload + padding


class StripMetadataTestCase(unittest.TestCase):
    "Pictures lose what tells who took them, and nothing else"

    def photo(self, extension):
        return (FOLDER / f'photo.{extension}').read_bytes()

    def assertNoSecret(self, data):
        for secret in SECRETS:
            self.assertNotIn(secret, data)

    def test_jpeg(self):
        "A phone's JPEG: Exif, XMP, IPTC, makers' notes, a comment, the index"
        original = self.photo('jpg')
        # A second picture, as phones append, with its own Exif
        second = (b'\xff\xd8' + jpeg_segment(0xE1, GPS_EXIF)
            + b'\xff\xda\x00\x02\x12\x34\xff\x00\x56\xff\xd9')
        photo = (original[:2]
            + jpeg_segment(0xE1, GPS_EXIF)
            + jpeg_segment(0xE1, XMP)
            + jpeg_segment(0xE2, b'MPF\x00MM\x00*' + bytes(8))
            + jpeg_segment(0xE4, b'Maker iPhone SN-4F2A9')
            + jpeg_segment(0xED, b'Photoshop 3.0\x008BIM' + '王小明'.encode())
            + jpeg_segment(0xFE, '拍摄者 王小明'.encode())
            + original[2:] + second)
        self.assertEqual(strip_metadata('image/jpeg', photo), original)
        self.assertNoSecret(strip_metadata('image/jpeg', photo))

    def test_jpeg_kept(self):
        "What draws the picture stays: JFIF, the colour profile, the tables"
        original = self.photo('jpg')
        self.assertIn(b'ICC_PROFILE', original)
        self.assertEqual(strip_metadata('image/jpeg', original), original)

    def test_png(self):
        "A PNG: text, Exif and time chunks, and what follows its end"
        original = self.photo('png')
        header_end = 8 + 25  # the signature and the header chunk
        photo = (original[:header_end]
            + png_chunk(b'tEXt', b'Author\x00' + '王小明'.encode())
            + png_chunk(b'iTXt', XMP)
            + png_chunk(b'zTXt', b'Comment\x00\x00' + zlib.compress(b'x'))
            + png_chunk(b'eXIf', GPS_EXIF[6:])
            + png_chunk(b'tIME', b'\x07\xea\x0b\x1d\x0c\x00\x00')
            + original[header_end:] + b'iPhone SN-4F2A9')
        self.assertEqual(strip_metadata('image/png', photo), original)

    def test_webp(self):
        "A WebP: the Exif and XMP chunks, and their flags in the header"
        original = self.photo('webp')
        self.assertEqual(original[12:16], b'VP8X')
        flags = original[20] | 0x08 | 0x04
        body = (original[12:20] + bytes([flags]) + original[21:]
            + webp_chunk(b'EXIF', GPS_EXIF[6:])
            + webp_chunk(b'XMP ', XMP))
        photo = b'RIFF' + struct.pack('<I', len(body) + 4) + b'WEBP' + body
        stripped = strip_metadata('image/webp', photo)
        self.assertEqual(stripped, original)
        self.assertNoSecret(stripped)

    def test_not_understood(self):
        """Cut anywhere, a picture is stripped as far as it is understood,
        without an error and without growing"""
        for extension, mimetype in [
                ('jpg', 'image/jpeg'), ('png', 'image/png'),
                ('webp', 'image/webp')]:
            photo = self.photo(extension)
            for end in range(len(photo)):
                with self.subTest(extension=extension, end=end):
                    stripped = strip_metadata(mimetype, photo[:end])
                    self.assertLessEqual(len(stripped), end)

    def test_other_types(self):
        "A PDF or a GIF is stored as sent"
        for mimetype in ['application/pdf', 'image/gif']:
            self.assertEqual(strip_metadata(mimetype, GPS_EXIF), GPS_EXIF)
