"""Test pictures, built in code with Pillow (the suite ships no binary files),
and what a stored picture must not hold."""

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

PLACE = {  # where a phone says the photo was taken
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
    b'1999/02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="48,51.4N" '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/"/></rdf:RDF></x:xmpmeta>'
)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
# A WAV file's start: RIFF, as WebP starts, but not a picture.
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


def camera_exif(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(PLACE)
    return exif


def encoded(image, image_format, **options):
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def png(colour=(11, 110, 79), size=(4, 4)):
    """A real PNG in one colour: pictures are decoded, not sniffed."""
    return encoded(Image.new("RGB", size, colour), "PNG")


def photo(size=(8, 4), orientation=1):
    """A JPEG as phones write them: EXIF with GPS, XMP, a comment, sRGB."""
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1]))
    return encoded(
        image,
        "JPEG",
        quality=75,
        exif=camera_exif(orientation),
        xmp=XMP,
        comment=b"taken at home",
        icc_profile=SRGB,
    )


def animation(size=(6, 6), frames=("red", "lime", "blue"), **options):
    """A GIF of one frame a colour, 120 ms each, with a comment."""
    images = [Image.new("RGB", size, colour) for colour in frames]
    return encoded(
        images[0],
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=120,
        loop=0,
        comment=b"taken at home",
        **options,
    )


def png_claiming(width, height):
    """A tiny PNG file whose header claims width x height pixels."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def opened(data):
    """The picture ``data`` holds, decoded by Pillow."""
    return Image.open(io.BytesIO(data))


def pixels(data):
    """What a picture shows: its size and its pixels (pictures are written
    again, so their bytes may differ from the upload's)."""
    with opened(data) as image:
        return image.size, image.convert("RGBA").tobytes()


def assert_no_metadata(image, data):
    assert len(image.getexif()) == 0
    assert "xmp" not in image.info
    assert "comment" not in image.info
    for marker in (b"Exif\x00", b"SN-0042", b"GPS", b"taken at home"):
        assert marker not in data
