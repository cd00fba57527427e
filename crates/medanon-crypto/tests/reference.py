#!/usr/bin/env python3
"""Independent reference of medanon's keyed pseudonym construction (docs/crypto.md).

Written from the specification, not from the Rust code, with only the Python
standard library. Prints test vectors as JSON; the Rust tests compare against
this output (when python3 is present) and against the copy in vectors.json.
"""
import hashlib
import hmac
import json
import struct
import base64

DOMAIN = b"medanon-pseudonym/v1"


def block(key, purpose, data, i):
    msg = (DOMAIN + b"\x00" + struct.pack(">Q", len(purpose)) + purpose
           + struct.pack(">Q", len(data)) + data + struct.pack(">I", i))
    return hmac.new(key, msg, hashlib.sha256).digest()


def stream(key, purpose, data):
    i = 0
    while True:
        yield from block(key, purpose, data, i)
        i += 1


def pseudonym(key, purpose, data, alphabet, length, prefix="", suffix=""):
    n = len(alphabet)
    limit = 256 - 256 % n
    out = []
    for b in stream(key, purpose, data):
        if len(out) == length:
            break
        if b < limit:
            out.append(alphabet[b % n])
    return prefix + "".join(out) + suffix


def uid(key, original):
    s = stream(key, b"uid", original.rstrip("\0 ").encode())
    b = bytearray(next(s) for _ in range(16))
    b[6] = (b[6] & 0x0F) | 0x80
    b[8] = (b[8] & 0x3F) | 0x80
    return "2.25." + str(int.from_bytes(b, "big"))


def date_shift(key, patient, lo, hi):
    s = stream(key, b"date-shift", patient)
    has_zero = lo <= 0 <= hi
    count = hi - lo + 1 - int(has_zero)
    zone = 2**64 - 1 - (2**64 % count)
    while True:
        v = int.from_bytes(bytes(next(s) for _ in range(8)), "big")
        if v <= zone:
            shift = lo + v % count
            break
    if has_zero and shift >= 0:
        shift += 1
    return shift


def hkdf_sha256(salt, ikm, info, length=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]


ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def main():
    key = bytes(range(32))
    fernet_text = "1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg="
    derived = hkdf_sha256(b"medanon-key-derivation/v1",
                          base64.urlsafe_b64decode(fernet_text),
                          b"pseudonym-hmac-sha256")
    aes = hkdf_sha256(b"medanon-key-derivation/v1",
                      base64.urlsafe_b64decode(fernet_text), b"aes-256-gcm")
    vectors = {
        "key_hex": key.hex(),
        "digest_patient_id_PAT001": block(key, b"patient-id", b"PAT001", 0).hex(),
        "pseudonym_alnum10": pseudonym(key, b"patient-id", b"PAT001", ALNUM, 10),
        "pseudonym_name": pseudonym(key, b"person-name", "Müller^Jürgen".encode(),
                                    CROCKFORD, 12, "ANON^"),
        "pseudonym_digits_long": pseudonym(key, b"patient-id", b"", "0123456789", 64),
        "uid": uid(key, "1.2.840.113619.2.55.3.604688119.971.1"),
        "uid_padded_input": uid(key, "1.2.840.113619.2.55.3.604688119.971.1\0"),
        "date_shift_default": date_shift(key, b"PAT001", -365, -1),
        "date_shift_symmetric": date_shift(key, b"PAT002", -3, 3),
        "date_shift_wide": date_shift(key, b"PAT003", -36525, 36525),
        "fernet_key": fernet_text,
        "derived_aes_gcm_hex": aes.hex(),
        "derived_uid": uid(derived, "1.2.3.4"),
    }
    print(json.dumps(vectors, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
