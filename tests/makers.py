"""Tiny builders for test data: a course with sections and lessons, in code."""

from django.db.models import F

from courses.models import Course, Lesson, LessonBody, Section
from courses.rendering import render_markdown
from learners.models import Completion


def make_course(slug="intro-course", title="Intro Course", **fields):
    return Course.objects.create(slug=slug, title=title, **fields)


def make_section(course, slug="basics", title="Basics", order=0, **fields):
    fields.setdefault("path", slug)
    return Section.objects.create(course=course, slug=slug, title=title, order=order, **fields)


def make_lesson(
    course,
    section=None,
    slug="first",
    title="First lesson",
    order=0,
    body_markdown=None,
    body_html=None,
    toc=(),
    **fields,
):
    doc_id = f"{section.path}/{slug}" if section else slug
    fields.setdefault("doc_id", doc_id)
    fields.setdefault("path", fields["doc_id"])
    body = LessonBody.objects.create(
        title=title,
        description=fields.get("description", ""),
        markdown=f"# {title}\n\nSome text.\n" if body_markdown is None else body_markdown,
        html=f"<p>Text of {title}.</p>" if body_html is None else body_html,
        toc=list(toc),
    )
    lesson = Lesson(course=course, section=section, title=title, order=order, **fields)
    lesson.show(body)
    lesson.save()
    return lesson


def make_checklist_lesson(course, items, slug="checklist", title="Checklist", order=0, **fields):
    """A lesson whose body is a task list of `items` ("I can …", or "[x] Done" pre-ticked),
    rendered as an import renders it."""
    markdown = "Check yourself:\n\n" + "".join(
        f"- {item}\n" if item.startswith("[x] ") else f"- [ ] {item}\n" for item in items
    )
    return make_lesson(
        course,
        slug=slug,
        title=title,
        order=order,
        body_markdown=markdown,
        body_html=render_markdown(markdown).html,
        **fields,
    )


def make_course_with_lessons(count=3, slug="intro-course", sections=1):
    """A course of `count` lessons spread over `sections` sections, in reading order."""
    course = make_course(slug=slug, title=slug.replace("-", " ").title())
    section_list = [
        make_section(course, slug=f"part-{n + 1}", title=f"Part {n + 1}", order=n)
        for n in range(sections)
    ]
    for n in range(count):
        section = section_list[n * sections // count]
        make_lesson(course, section, slug=f"lesson-{n + 1}", title=f"Lesson {n + 1}", order=n)
    return course


def lessons_of(course):
    return list(Lesson.objects.filter(course=course).order_by("order"))


def make_completions(user, lessons):
    """Mark `lessons` complete for `user`, as if read in their current version."""
    return Completion.objects.bulk_create(
        Completion(
            user=user, lesson=lesson, course_id=lesson.course_id, content_hash=lesson.content_hash
        )
        for lesson in lessons
    )


def bump_content_version(course):
    """What every content write does (import, admin save), so cached outlines expire."""
    Course.objects.filter(pk=course.pk).update(content_version=F("content_version") + 1)
    course.refresh_from_db(fields=["content_version"])
