"""The format registry the API and the CLI use."""

from __future__ import annotations

import pytest

from lrs.reviews.formats import FORMATS, render
from tests.reviews.factories import sample_export


@pytest.mark.parametrize("name, magic", [("csv", b"employee_id,"), ("json", b"{"), ("xlsx", b"PK"),
                                         ("pdf", b"%PDF-")])
def test_render_gives_bytes_of_each_format(name, magic):
    output = render(sample_export(2, goals=2, evidence=2), name)
    assert isinstance(output, bytes) and output.startswith(magic)
    assert FORMATS[name].extension == name


def test_render_refuses_an_unknown_format():
    with pytest.raises(KeyError):
        render(sample_export(1), "docx")
