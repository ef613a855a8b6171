"""Write a minimal Outlook TNEF stream (``winmail.dat``) holding files, for intake tests.

tnefparse only reads TNEF, and no maintained writer exists on PyPI, so this follows the structure
of [MS-OXTNEF] 2.1.3 by hand, with only what an attachment needs:

    TNEFHeader      = signature 0x223E9F78 (u32 LE), key (u16 LE)
    TNEFVersion     = attribute attTnefVersion (0x00089006) = 0x00010000
    OEMCodePage     = attribute attOemCodepage (0x00069007) = 1252, 0
    per attachment  = attAttachRendData (0x00069002): starts the attachment (14 bytes: type, position,
                      width, height, flags), attAttachTitle (0x00018010): the file name, zero-terminated,
                      attAttachData (0x0006800F): the file's bytes

Each attribute is: level (u8: 1 message, 2 attachment), ID (u32 LE: low word the attribute,
high word its type), length (u32 LE), the data, and a checksum (u16 LE: the data's bytes summed
modulo 65536).
"""
from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F


def attribute(level: int, attribute_id: int, data: bytes) -> bytes:
    """One TNEF attribute with its checksum."""
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def build_tnef(files: list[tuple[str, bytes]], key: int = 0x1234) -> bytes:
    """A TNEF stream carrying ``files`` (name, bytes) as attachments, as Outlook sends in winmail.dat."""
    stream = struct.pack("<IH", SIGNATURE, key)
    stream += attribute(LEVEL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    stream += attribute(LEVEL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    for name, data in files:
        # AttachRendData: attachment type 1 (file), position -1 (none), width, height, flags
        stream += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_REND_DATA, struct.pack("<HiHHI", 1, -1, 0, 0, 0))
        stream += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_TITLE, name.encode("cp1252") + b"\x00")
        stream += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_DATA, data)
    return stream
