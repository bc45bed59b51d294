"""What decides a lesson's stored HTML and text besides its file and its place in the course:
the importer's code and the renderer's, and the libraries they use."""

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

from courses import rendering, search

LIBRARIES = ("python-frontmatter", "pyyaml", "markdown", "pymdown-extensions", "pygments", "nh3")


@cache
def recipe():
    """A digest of every file of the importer and of the renderer, of the search's reader
    text, and of their libraries' versions."""
    digest = hashlib.sha256()
    importer = sorted(Path(__file__).parent.glob("*.py"))
    renderer = sorted(Path(rendering.__file__).parent.glob("*.py"))
    for module_file in (*importer, *renderer, search.__file__):
        digest.update(Path(module_file).read_bytes())
    for package in LIBRARIES:
        digest.update(version(package).encode())
    return digest.hexdigest()
