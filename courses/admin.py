"""Staff editing of courses, sections and lessons.

Every save goes through the importer's own functions (render_edits,
recompute_reading_order, revert_lesson), so a lesson edited here renders, links and
orders exactly as an imported one does, and a re-import knows to leave it alone.
"""

import copy
import re
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, F
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from courses.importing import (
    ContentError,
    recompute_reading_order,
    render_edit,
    render_edits,
    revert_lesson,
    store_body,
)
from courses.importing.switch import delete_bodies
from courses.models import Asset, Course, Lesson, Section

LESSON_PATH = re.compile(r"[\w.~-]+(/[\w.~-]+)*")
MAX_PROBLEM_MESSAGES = 10

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"


def bump_content_version(course_ids):
    Course.objects.filter(pk__in=course_ids).update(content_version=F("content_version") + 1)


def rerender(request, course, lessons):
    """Render lessons again as the importer does and store their bodies. A lesson whose
    rendering runs over the time limit keeps what it had, with a warning."""
    for lesson in lessons:
        lesson.course = course
    edits = [(lesson, lesson.body.markdown) for lesson in lessons]
    for lesson, rendered in render_edits(course, edits):
        if rendered is None:
            messages.warning(
                request, f"“{lesson}” was left as it was: it took too long to render again."
            )
        else:
            store_body(lesson, lesson.body.markdown, rendered.html, rendered.toc)


def rerender_lessons_linking_to(request, course, old_url):
    """Re-render the lessons whose stored HTML links to a URL that just changed, so
    their links follow the lesson to its new URL. Returns how many there were."""
    linking = list(
        course.lessons.filter(body__html__contains=f'href="{old_url}').select_related(
            "body", "section"
        )
    )
    rerender(request, course, linking)
    return len(linking)


@contextmanager
def deleting_bodies(lessons):
    """Delete the bodies of `lessons` once the lessons themselves are deleted."""
    body_ids = list(lessons.values_list("body_id", flat=True))
    yield
    delete_bodies(body_ids)


def show_problems(request, lesson, problems):
    """Broken links and rendering warnings as admin messages, at most a screenful."""
    for problem in problems[:MAX_PROBLEM_MESSAGES]:
        messages.warning(request, f"“{lesson}”: {problem}")
    if len(problems) > MAX_PROBLEM_MESSAGES:
        hidden = len(problems) - MAX_PROBLEM_MESSAGES
        messages.warning(request, f"“{lesson}”: {hidden} more problem{pluralize(hidden)}.")


class EditedInAdmin:
    """A course, section or lesson saved here with a change is marked as an admin edit, which a
    plain import keeps; the list shows the mark."""

    @admin.display(description="edited", boolean=True, ordering="edited_in_admin")
    def edited(self, obj):
        return obj.edited_in_admin

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            obj.edited_in_admin = True
        super().save_model(request, obj, form, change)


def save_as_edited(formset):
    """Rows changed in an inline are staff edits, which a plain import keeps."""
    for row in formset.save(commit=False):
        row.edited_in_admin = True
        row.save()


def describe_problem(problem):
    kind = "Broken link" if problem.kind == "broken_link" else "Warning"
    return (
        f"{kind}, line {problem.line}: {problem.message}"
        if problem.line
        else f"{kind}: {problem.message}"
    )


class SectionInline(admin.TabularInline):
    """Quick renaming and reordering; new sections are added on the section page."""

    model = Section
    fields = ["title", "position", "order", "archived"]
    readonly_fields = ["order"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(EditedInAdmin, admin.ModelAdmin):
    list_display = ["title", "slug", "lesson_count", "edited", "content_version", "imported_at"]
    search_fields = ["title", "slug", "description"]
    fields = ["title", "slug", "description", "position", "meta", "source_dir", "imported_at"]
    readonly_fields = ["source_dir", "imported_at"]
    inlines = [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lesson_total=Count("lessons"))

    def get_readonly_fields(self, request, obj=None):
        # The importer finds an imported course again by its slug.
        if obj is not None and obj.source_dir:
            return [*self.readonly_fields, "slug"]
        return self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    @admin.display(description="lessons", ordering="lesson_total")
    def lesson_count(self, course):
        return course.lesson_total

    def delete_model(self, request, obj):
        with deleting_bodies(obj.lessons.all()):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with deleting_bodies(Lesson.objects.filter(course__in=queryset)):
            super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            # Every lesson URL changed, and so did every link between lessons.
            rerender(request, obj, list(obj.lessons.select_related("body", "section")))

    def save_formset(self, request, form, formset, change):
        save_as_edited(formset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute_reading_order(form.instance)
        bump_content_version([form.instance.pk])


class LessonInline(admin.TabularInline):
    """Quick reordering and publishing; new lessons are added on the lesson page."""

    model = Lesson
    fields = ["title", "position", "draft", "order"]
    readonly_fields = ["order"]
    ordering = ["order"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class SectionForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        course, parent = cleaned.get("course"), cleaned.get("parent")
        if course and parent and parent.course_id != course.pk:
            self.add_error("parent", f"Choose a section of {course}.")
        return cleaned


@admin.register(Section)
class SectionAdmin(EditedInAdmin, admin.ModelAdmin):
    form = SectionForm
    list_display = ["title", "course", "path", "order", "depth", "archived", "edited"]
    list_filter = ["course", "archived", "edited_in_admin"]
    search_fields = ["title", "path", "course__title"]
    list_select_related = ["course"]
    fields = [
        "course",
        "parent",
        "title",
        "slug",
        "path",
        "description",
        "position",
        "order",
        "collapsed",
        "archived",
        "source_path",
    ]
    readonly_fields = ["order", "source_path"]
    inlines = [LessonInline]

    def get_readonly_fields(self, request, obj=None):
        # The importer finds a section again by its path, and its lessons by theirs.
        if obj is not None:
            return [*self.readonly_fields, "course", "parent", "slug", "path"]
        return self.readonly_fields

    def save_formset(self, request, form, formset, change):
        save_as_edited(formset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute_reading_order(form.instance.course)
        bump_content_version([form.instance.course_id])


class SectionFilter(admin.SimpleListFilter):
    """Sections named with their course, narrowed to the course filtered on, if any."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        sections = Section.objects.select_related("course").order_by("course", "order")
        course_id = request.GET.get("course__id__exact", "")
        if course_id.isdigit():
            sections = sections.filter(course_id=course_id)
        return [(section.pk, f"{section.course} › {section.title}") for section in sections]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(section_id=self.value())
        return queryset


class MarkdownField(forms.CharField):
    """Lesson text as typed: browsers send CRLF line breaks, files and hashes use LF, and
    leading or trailing blank lines are kept."""

    def __init__(self, *, strip=False, **kwargs):
        super().__init__(strip=strip, **kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = [
            "course",
            "section",
            "title",
            "sidebar_label",
            "description",
            "path",
            "draft",
            "unlisted",
            "archived",
            "position",
            "hide_title",
            "hide_table_of_contents",
            "tags",
            "meta",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "path": "The lesson's URL inside its course, e.g. basics/first-steps. "
            "Changing it re-renders the lessons that link here.",
            "position": "Place within its section, lower first. Empty: the number the "
            "file name starts with.",
        }

    markdown = MarkdownField(
        label="Markdown",
        required=False,
        widget=forms.Textarea(
            attrs={"class": "markdown-source", "rows": 30, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.body_id:
            self.fields["markdown"].initial = self.instance.body.markdown
        if self.instance.pk and "section" in self.fields:
            self.fields["section"].queryset = Section.objects.filter(
                course_id=self.instance.course_id
            )

    def clean_path(self):
        path = self.cleaned_data["path"].strip().strip("/")
        if path != self.initial.get("path") and not LESSON_PATH.fullmatch(path):
            raise forms.ValidationError(
                "Use letters, digits, dots, dashes and underscores, with / between parts."
            )
        return path

    def clean(self):
        cleaned = super().clean()
        course = cleaned.get("course") if self.instance.pk is None else self.instance.course
        section, path = cleaned.get("section"), cleaned.get("path")
        if course is None:
            return cleaned
        if section is not None and section.course_id != course.pk:
            self.add_error("section", f"Choose a section of {course}.")
        if path:
            self.check_path_is_free(course, path)
        if not self.errors and (self.instance.pk is None or self.has_changed()):
            self.check_it_renders(course, cleaned)
        return cleaned

    rendered = None  # the text's Rendered, once clean() has rendered it

    def check_it_renders(self, course, cleaned):
        """Render the text as LessonAdmin.save_model will store it (the links it resolves are
        read from the database as it is before the save), so that a text taking longer than
        the time limit is refused here, with nothing saved."""
        lesson = copy.copy(self.instance)
        lesson.course = course
        lesson.section = cleaned.get("section")
        lesson.path = cleaned.get("path", lesson.path)
        lesson.meta = cleaned.get("meta") or {}
        try:
            self.rendered = render_edit(lesson, cleaned.get("markdown", ""))
        except ContentError as error:
            self.add_error(
                "markdown",
                f"Not saved: {error.errors[0]}. Shorten the text or split it over lessons.",
            )

    def check_path_is_free(self, course, path):
        others = Lesson.objects.filter(course=course).exclude(pk=self.instance.pk)
        if others.filter(path=path).exists():
            self.add_error("path", f"Another lesson of {course} already has the path “{path}”.")
        elif self.instance.pk is None and others.filter(doc_id=path).exists():
            self.add_error(
                "path", f"“{path}” is the doc id of another lesson of {course}; choose another."
            )
        elif self.instance.pk is None:
            self.instance.doc_id = path


@admin.register(Lesson)
class LessonAdmin(EditedInAdmin, admin.ModelAdmin):
    form = LessonForm
    list_display = [
        "title",
        "course",
        "section",
        "order",
        "draft",
        "unlisted",
        "archived",
        "edited",
    ]
    list_filter = ["course", SectionFilter, "draft", "unlisted", "archived", "edited_in_admin"]
    list_select_related = ["course", "section"]
    search_fields = ["title", "path", "doc_id", "source_path"]
    ordering = ["course", "order"]
    actions = ["publish", "unpublish", "archive", "restore", "revert_to_file"]
    readonly_fields = [
        "order",
        "doc_id",
        "pagination",
        "source_path",
        "source_hash",
        "imported_at",
        "edited_in_admin",
        "content_hash",
        "toc",
        "body_html",
    ]
    fieldsets = [
        (None, {"fields": ["course", "section", "title", "sidebar_label", "description", "path"]}),
        ("Lesson text", {"fields": ["markdown"]}),
        (
            "Publishing",
            {
                "fields": [
                    ("draft", "unlisted", "archived"),
                    ("position", "order"),
                    ("hide_title", "hide_table_of_contents"),
                    "pagination",
                ]
            },
        ),
        ("Frontmatter", {"classes": ["collapse"], "fields": ["tags", "meta"]}),
        (
            "Source file",
            {
                "classes": ["collapse"],
                "fields": [
                    "doc_id",
                    "source_path",
                    "source_hash",
                    "imported_at",
                    "edited_in_admin",
                ],
            },
        ),
        ("Rendered", {"classes": ["collapse"], "fields": ["content_hash", "toc", "body_html"]}),
    ]

    class Media:
        css = {"all": ["admin/coursebook-admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        # A lesson's completions belong to its course, so it never changes course.
        if obj is not None:
            return [*self.readonly_fields, "course"]
        return self.readonly_fields

    @admin.display(description="previous / next")
    def pagination(self, lesson):
        def describe(value):
            if value is None:
                return "hidden"
            return value or "reading order"

        return f"{describe(lesson.pagination_prev)} / {describe(lesson.pagination_next)}"

    @admin.display(description="contents")
    def toc(self, lesson):
        return lesson.body.toc if lesson.body_id else []

    @admin.display(description="HTML")
    def body_html(self, lesson):
        return lesson.body.html if lesson.body_id else ""

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # saving an untouched lesson must not stop it following its file
        old_url = None
        if change and "path" in form.changed_data:
            old_url = reverse("courses:lesson", args=[obj.course.slug, form.initial["path"]])
        obj.edited_in_admin = True
        rendered = form.rendered
        store_body(obj, form.cleaned_data["markdown"], rendered.html, rendered.toc)
        super().save_model(request, obj, form, change)
        if not change or {"position", "section"} & set(form.changed_data):
            recompute_reading_order(obj.course)
        show_problems(request, obj, [describe_problem(problem) for problem in rendered.problems])
        if old_url:
            relinked = rerender_lessons_linking_to(request, obj.course, old_url)
            if relinked:
                messages.info(
                    request,
                    f"Re-rendered {relinked} lesson{pluralize(relinked)} linking to “{obj}”.",
                )
        bump_content_version([obj.course_id])

    def delete_model(self, request, obj):
        with deleting_bodies(Lesson.objects.filter(pk=obj.pk)):
            super().delete_model(request, obj)
        recompute_reading_order(obj.course)
        bump_content_version([obj.course_id])

    def delete_queryset(self, request, queryset):
        courses = list(Course.objects.filter(lessons__in=queryset).distinct())
        with deleting_bodies(queryset):
            super().delete_queryset(request, queryset)
        for course in courses:
            recompute_reading_order(course)
        bump_content_version([course.pk for course in courses])

    def set_flag(self, request, queryset, done, **flag):
        """Set one flag on the selected lessons that do not have it yet, as an admin edit."""
        with transaction.atomic():
            total = queryset.count()
            changing = Lesson.objects.filter(pk__in=queryset.values("pk")).exclude(**flag)
            course_ids = set(changing.values_list("course_id", flat=True))
            count = changing.update(edited_in_admin=True, updated_at=timezone.now(), **flag)
            bump_content_version(course_ids)
        message = f"{count} lesson{pluralize(count)} {done}."
        if total > count:
            message += f" {total - count} already {pluralize(total - count, 'was,were')}."
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Publish selected lessons", permissions=["change"])
    def publish(self, request, queryset):
        self.set_flag(request, queryset, "published", draft=False)

    @admin.action(description="Unpublish selected lessons (make drafts)", permissions=["change"])
    def unpublish(self, request, queryset):
        self.set_flag(request, queryset, "unpublished", draft=True)

    @admin.action(description="Archive selected lessons", permissions=["change"])
    def archive(self, request, queryset):
        self.set_flag(request, queryset, "archived", archived=True)

    @admin.action(description="Restore selected lessons from the archive", permissions=["change"])
    def restore(self, request, queryset):
        self.set_flag(request, queryset, "restored", archived=False)

    @admin.action(
        description="Revert selected lessons to the file's version", permissions=["change"]
    )
    def revert_to_file(self, request, queryset):
        reverted, refused = 0, []
        with transaction.atomic():
            lessons = list(queryset.select_related("course"))
            for lesson in lessons:
                old_url = lesson.get_absolute_url()
                try:
                    problems = revert_lesson(lesson)
                except ContentError as error:
                    refused.extend(error.errors)
                    continue
                show_problems(request, lesson, problems)
                if lesson.get_absolute_url() != old_url:
                    rerender_lessons_linking_to(request, lesson.course, old_url)
                reverted += 1
            courses = {lesson.course_id: lesson.course for lesson in lessons}
            for course in courses.values():
                recompute_reading_order(course)
            bump_content_version(list(courses))
        self.message_user(
            request,
            f"{reverted} lesson{pluralize(reverted)} reverted to the file's version.",
            messages.SUCCESS,
        )
        for reason in refused:
            self.message_user(request, f"Not reverted: {reason}", messages.WARNING)


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    """Images come from the course folder; the admin only lists them."""

    list_display = ["path", "course", "content_type", "size"]
    list_filter = ["course"]
    list_select_related = ["course"]
    search_fields = ["path"]
    fields = ["course", "path", "content_type", "size", "digest"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
