"""import_content on Docusaurus sites: one course per site, read as Docusaurus reads it,
checked against Docusaurus' own reading of the same folders (tests/docusaurus_truth.py)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.models import Asset, Course, Lesson
from tests.docusaurus_truth import compare_with_docusaurus, load_truth

SITES = Path(__file__).parent / "fixtures" / "sites"


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_content", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("site", "slug"), [("harbor-site", "harbor-handbook"), ("tidewater-site", "tidewater-notes")]
)
def test_site_imports_as_docusaurus_reads_it(db, site, slug):
    run_import(SITES / site)
    course = Course.objects.get(slug=slug)
    assert (
        compare_with_docusaurus(course, load_truth(SITES / site / "docusaurus-truth.json")) == []
    )
