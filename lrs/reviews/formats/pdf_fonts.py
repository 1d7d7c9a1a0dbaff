"""Fonts for the PDF: DejaVu Sans, embedded, when the system has it (it covers Latin, Greek, Cyrillic and
more); otherwise the built-in Helvetica, which shows Latin-1 (Western European) text only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

logger = logging.getLogger(__name__)

# Debian/Ubuntu (fonts-dejavu-core), Fedora, Arch, then a local install.
DEFAULT_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts",
                     "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF", "/usr/local/share/fonts")
_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    embedded: bool  # True: a TrueType font with wide Unicode coverage; False: Helvetica (Latin-1)


HELVETICA = Fonts("Helvetica", "Helvetica-Bold", embedded=False)


@lru_cache(maxsize=8)
def find_fonts(dirs: tuple[str, ...] = DEFAULT_FONT_DIRS) -> Fonts:
    """Register DejaVu Sans from the first directory that has it (once per process), else Helvetica."""
    for folder in dirs:
        regular, bold = (Path(folder) / name for name in _FILES)
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            pdfmetrics.registerFont(TTFont("LRS-DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("LRS-DejaVuSans-Bold", str(bold)))
        except TTFError as exc:
            logger.warning("cannot use the fonts in %s: %s", folder, exc)
            continue
        pdfmetrics.registerFontFamily("LRS-DejaVuSans", normal="LRS-DejaVuSans", bold="LRS-DejaVuSans-Bold",
                                      italic="LRS-DejaVuSans", boldItalic="LRS-DejaVuSans-Bold")
        return Fonts("LRS-DejaVuSans", "LRS-DejaVuSans-Bold", embedded=True)
    logger.info("DejaVu Sans not found in %s: the PDF uses Helvetica (Latin-1 text only)", ", ".join(dirs))
    return HELVETICA


@dataclass(frozen=True)
class Styles:
    fonts: Fonts
    title: ParagraphStyle
    heading: ParagraphStyle
    section: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle


@lru_cache(maxsize=8)
def styles(fonts: Fonts) -> Styles:
    def style(name: str, size: float, bold: bool = False, **extra: object) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=fonts.bold if bold else fonts.regular, fontSize=size,
                              leading=size * 1.25, **extra)

    return Styles(fonts=fonts,
                  title=style("title", 20, bold=True, spaceAfter=10),
                  heading=style("heading", 15, bold=True, spaceAfter=2, keepWithNext=1),
                  section=style("section", 11, bold=True, spaceBefore=10, spaceAfter=4, keepWithNext=1),
                  body=style("body", 9.5, spaceAfter=3),
                  small=style("small", 8, textColor="#555555"),
                  cell=style("cell", 8))
