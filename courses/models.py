import hashlib
from functools import lru_cache

from django.db import models
from django.db.models import F
from django.urls import reverse


@lru_cache(maxsize=10_000)
def course_url(course_slug):
    """A course's URL. Kept, like lesson URLs, since reverse() costs 10-30 µs a call."""
    return reverse("courses:course", args=[course_slug])


@lru_cache(maxsize=10_000)
def lesson_url(course_slug, path):
    """A lesson's URL: its path in the course, or the course's own URL for its front page
    (Docusaurus `slug: /`)."""
    if not path:
        return course_url(course_slug)
    return reverse("courses:lesson", args=[course_slug, path])


def content_hash(text):
    """The hash a completion remembers, to tell a learner a lesson changed since."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CourseQuerySet(models.QuerySet):
    def ordered(self):
        return self.order_by(F("position").asc(nulls_last=True), "title")


class Course(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    position = models.FloatField(null=True, blank=True)
    source_dir = models.CharField(
        max_length=500, blank=True, help_text="The folder this course was imported from."
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    content_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped on every change, so cached outlines expire."
    )
    meta = models.JSONField(default=dict, blank=True)
    edited_in_admin = models.BooleanField(
        default=False, help_text="A plain import keeps the title, description and position."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = [F("position").asc(nulls_last=True), "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return course_url(self.slug)


class Section(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    path = models.CharField(
        max_length=500, help_text="Folder path in the course without number prefixes."
    )
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    position = models.FloatField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0, help_text="Place in the course outline.")
    depth = models.PositiveSmallIntegerField(default=0)
    collapsed = models.BooleanField(default=True)
    source_path = models.CharField(max_length=500, blank=True)
    archived = models.BooleanField(default=False)
    meta = models.JSONField(default=dict, blank=True)
    edited_in_admin = models.BooleanField(
        default=False,
        help_text="A plain import keeps the title, description, position, collapsed and archived.",
    )

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "path"], name="unique_section_path"),
        ]

    def __str__(self):
        return self.title


class LessonQuerySet(models.QuerySet):
    def published(self):
        """Lessons a learner may open: not drafts, not archived (unlisted ones included)."""
        return self.filter(draft=False, archived=False)

    def listed(self):
        """Lessons that appear in outlines, counts and reading order."""
        return self.published().filter(unlisted=False)


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    doc_id = models.CharField(
        max_length=500, help_text="Path in the course without number prefixes; survives renames."
    )
    path = models.CharField(
        max_length=500, help_text="The lesson's URL inside the course: its doc id or its slug."
    )
    title = models.CharField(max_length=300)
    sidebar_label = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    position = models.FloatField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0, help_text="Reading order in the course.")
    body = models.OneToOneField(
        "LessonBody", on_delete=models.RESTRICT, related_name="lesson", editable=False
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    tags = models.JSONField(default=list, blank=True)
    meta = models.JSONField(
        default=dict, blank=True, help_text="Frontmatter fields Coursebook does not use itself."
    )
    draft = models.BooleanField(default=False)
    unlisted = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    hide_title = models.BooleanField(default=False)
    hide_table_of_contents = models.BooleanField(default=False)
    # "" follows reading order, None hides the link, anything else is a doc id.
    pagination_prev = models.CharField(max_length=500, null=True, blank=True, default="")  # noqa: DJ001
    pagination_next = models.CharField(max_length=500, null=True, blank=True, default="")  # noqa: DJ001
    source_path = models.CharField(max_length=500, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_in_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "doc_id"], name="unique_lesson_doc_id"),
            models.UniqueConstraint(fields=["course", "path"], name="unique_lesson_path"),
        ]
        indexes = [
            models.Index(fields=["course", "order"], name="lesson_reading_order"),
            # What search reads of each matching body's lesson (courses.search), without its row.
            models.Index(
                fields=["body", "course", "draft", "unlisted", "archived"],
                name="lesson_search_listing",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return lesson_url(self.course.slug, self.path)

    def show(self, body):
        """Show `body` (a saved LessonBody); the content hash follows its Markdown, so
        learners who completed the old text see "updated"."""
        self.body = body
        self.content_hash = content_hash(body.markdown)

    @property
    def label(self):
        return self.sidebar_label or self.title


class ImportMemo(models.Model):
    """What an import read from one lesson file: the lesson's fields, where its body starts
    and what the body links to, under the file's path and the hash of its bytes. The next
    import parses only the files whose bytes changed. Only the importer code that wrote a
    memo (its `recipe`) reads it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="import_memos")
    source_path = models.CharField(max_length=500)
    file_hash = models.CharField(max_length=64)
    # Named as its folder's own page, which depends on the files beside it as well.
    is_index = models.BooleanField()
    body_start = models.PositiveIntegerField()
    fields = models.JSONField()
    recipe = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "source_path"], name="unique_import_memo"),
        ]

    def __str__(self):
        return self.source_path


class LessonBodyQuerySet(models.QuerySet):
    def unshown(self, written_before):
        """Bodies no lesson shows, written before `written_before`: left by an import that
        stopped before its switch. Younger ones may belong to an import still running."""
        return self.filter(lesson=None, written_at__lt=written_before)


class LessonBody(models.Model):
    """What a lesson shows and search finds: its Markdown, the HTML and contents rendered from
    it, its reader text, and the title and description search ranks it by.

    An import writes the bodies of changed lessons here first, in short transactions of their
    own, and only then points the lessons at them in one small transaction: however large the
    course, learners' writes never wait for the rendering or the text. Search indexes bodies
    (triggers on SQLite, a generated column on PostgreSQL) and finds a lesson by its body, so a
    body written ahead is found only once a lesson shows it."""

    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    markdown = models.TextField(blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="The body as a reader reads it, for snippets.")
    toc = models.JSONField(default=list, blank=True)
    written_at = models.DateTimeField(auto_now_add=True)

    objects = LessonBodyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "lesson bodies"
        indexes = [
            # For `unshown()`, which every import runs: read from the table, SQLite would walk
            # every body's overflow pages to reach its last column.
            models.Index(fields=["written_at"], name="lessonbody_written_at"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        from courses.search import reader_text  # courses.search imports this module

        self.text = reader_text(self.markdown)
        super().save(*args, **kwargs)


class AssetQuerySet(models.QuerySet):
    def unshown(self, written_before):
        """Images written ahead by an import that stopped before its switch."""
        return self.filter(course=None, written_at__lt=written_before)


class Asset(models.Model):
    """A file next to the lessons (an image), kept in the database so that any number
    of app servers can serve it without a shared disk."""

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        related_name="assets",
        help_text="None while an import writes the image ahead of its switch.",
    )
    path = models.CharField(max_length=500, help_text="Path relative to the course folder.")
    digest = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    written_at = models.DateTimeField(auto_now_add=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        constraints = [
            # An import writes a changed image beside the one pages show until its switch.
            models.UniqueConstraint(fields=["course", "path", "digest"], name="unique_asset"),
        ]

    def __str__(self):
        return self.path

    def get_absolute_url(self):
        filename = self.path.rsplit("/", 1)[-1]
        return reverse("courses:asset", args=[self.course.slug, self.digest[:16], filename])
