"""Where PATH points: one course folder, or a folder of course folders."""

from pathlib import Path

from django.utils.text import slugify

from courses.importing.order import split_number_prefix
from courses.importing.report import ContentError

LESSON_SUFFIXES = (".md", ".mdx")
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")


# Reading a course folder (no ORM) ---------------------------------------------------------------


def is_course_folder(path):
    """A course folder holds lessons (.md/.mdx) or a _category_ file directly; any other
    folder is a folder of courses, one per subfolder."""
    path = Path(path)
    return any(
        child.name in CATEGORY_FILES
        or (child.suffix.lower() in LESSON_SUFFIXES and not child.name.startswith(("_", ".")))
        for child in path.iterdir()
    )


def find_course_folders(paths):
    folders = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise ContentError([f"{path}: no such folder"])
        if is_course_folder(path):
            folders.append(path)
        else:
            folders.extend(
                child
                for child in sorted(path.iterdir())
                if child.is_dir() and not child.name.startswith((".", "_"))
            )
    return folders


def course_slug(folder_name):
    return slugify(split_number_prefix(folder_name)[1])
