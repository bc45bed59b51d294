"""The import's safety catch: an import that would take most of a course's lessons away is
far more often the wrong folder (another site whose folder has the same name, a moved
docs/ folder) than an intended rewrite, so it stops and says so unless confirmed."""


def removal_problem(slug, imported_from, *, live, removing, from_dir, confirmed):
    """The error for an import that would archive or delete `removing` of the `live`
    lessons (imported from files, not archived) of course `slug`, last imported from
    `imported_from`, when that is most of them and `confirmed` (`--replace`) is not set;
    else None. Nothing is written then, so no lesson and no completion is lost."""
    if confirmed or removing * 2 <= live:
        return None
    origin = ""
    if imported_from and imported_from != from_dir:
        origin = f" It was imported from {imported_from}."
    return (
        f"course {slug!r}: this import would archive or delete {removing} of its "
        f"{live} lessons, because their files are not in {from_dir}.{origin} Nothing was "
        "changed. If that is what you want, run it again with --replace (archived lessons "
        "keep learners' completions); to import this folder as another course, give it "
        "its own slug with --slug."
    )
