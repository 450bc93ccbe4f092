"""Barcode check digits: EAN-8, EAN-13 and UPC-A (the GS1 modulo-10 scheme).

The kind follows from the length when it is not given (8 digits EAN-8, 12 UPC-A,
13 EAN-13). Every refusal is a ``ValidationError`` on the ``barcode`` field whose message
says what is wrong, e.g. "EAN-13 4006381333932: the check digit should be 1, not 2."
"""

from __future__ import annotations

from transactional.errors import N_, ValidationError

LENGTHS: dict[str, int] = {"EAN-8": 8, "UPC-A": 12, "EAN-13": 13}
KINDS = ("EAN-8", "EAN-13", "UPC-A")


def check_digit(payload: str) -> int:
    """The GS1 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def validate_barcode(barcode: object, kind: str | None = None) -> tuple[str, str]:
    """Return ``(barcode, kind)`` cleaned and checked, or raise a clear ``ValidationError``."""
    text = str(barcode if barcode is not None else "").strip()
    if not text:
        raise ValidationError(N_("Barcode is required."), field="barcode")
    if not text.isascii() or not text.isdigit():
        raise ValidationError(
            N_("Barcode {text}: a barcode has digits only."), field="barcode", text=text
        )
    if kind is None or not str(kind).strip():
        found = [k for k, n in LENGTHS.items() if n == len(text)]
        if not found:
            raise ValidationError(
                N_(
                    "Barcode {text} has {digits} digits; an EAN-8 has 8, a UPC-A 12 and an EAN-13 "
                    "13."
                ),
                field="barcode",
                text=text,
                digits=len(text),
            )
        kind = found[0]
    kind = str(kind).strip().upper()
    if kind not in LENGTHS:
        raise ValidationError(
            N_("Barcode kind must be one of {kinds}, not '{kind}'."),
            field="kind",
            kinds=", ".join(KINDS),
            kind=kind,
        )
    if len(text) != LENGTHS[kind]:
        raise ValidationError(
            N_("{kind} {text} has {digits} digits; an {kind} has {length}."),
            field="barcode",
            kind=kind,
            text=text,
            digits=len(text),
            length=LENGTHS[kind],
        )
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise ValidationError(
            N_("{kind} {text}: the check digit should be {expected}, not {given}."),
            field="barcode",
            kind=kind,
            text=text,
            expected=expected,
            given=text[-1],
        )
    return text, kind
