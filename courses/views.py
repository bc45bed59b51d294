from functools import partial, wraps
from importlib import import_module

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from courses.models import Asset, Course, Lesson
from courses.outline import course_and_outline, outline_cache_key
from courses.prerendered import Reader, render_page
from courses.rendering.tasklists import has_checklist
from courses.search import MAX_QUERY_CHARS, search_lessons

SEARCH_RESULTS_PER_PAGE = 20


def sign_in_required_if_configured(view):
    """Send anonymous visitors to sign in when LESSONS_REQUIRE_LOGIN is on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.LESSONS_REQUIRE_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def get_course(course_slug):
    return get_object_or_404(Course, slug=course_slug)


def get_course_and_outline(course_slug):
    """The course a reading page shows, with its outline, or a 404."""
    found = course_and_outline(course_slug)
    if found is None:
        raise Http404("No such course.")
    return found


def get_published_lesson(course_slug, lesson_path):
    """A lesson a learner may open: drafts and archived lessons are 404, unlisted ones open."""
    return get_object_or_404(
        Lesson.objects.published().select_related("course", "body"),
        course__slug=course_slug,
        path=lesson_path,
    )


def reader_parts():
    """What the reading pages show of the person reading them (their progress, checkmarks,
    checklists) is worked out by the module settings.READER_PARTS names: learners.reading.
    courses never imports learners."""
    return import_module(settings.READER_PARTS)


def catalogue(request):
    listed = Q(lessons__draft=False, lessons__archived=False, lessons__unlisted=False)
    courses = Course.objects.ordered().annotate(lesson_count=Count("lessons", filter=listed))
    return render(request, "courses/catalogue.html", {"courses": courses})


@sign_in_required_if_configured
def course(request, course_slug):
    """The course's outline, or its front page when a lesson has the course's own URL
    (a Docusaurus site's `slug: /` or root index), as Docusaurus serves its home doc."""
    course, outline = get_course_and_outline(course_slug)
    if outline.front_page is not None:
        return lesson_page(request, course, outline, outline.front_page)
    return render_page(
        request,
        "courses/course.html",
        key=outline_cache_key(course),
        content=lambda: {"course": course, "outline": outline},
        reader=reader_parts().course(request, outline),
    )


@sign_in_required_if_configured
def lesson(request, course_slug, lesson_path):
    course, outline = get_course_and_outline(course_slug)
    item = outline.by_path.get(lesson_path)
    if item is None:
        raise Http404("No such lesson.")
    return lesson_page(request, course, outline, item)


def lesson_page(request, course, outline, item):
    return render_page(
        request,
        "courses/lesson.html",
        key=(outline_cache_key(course), item.id),
        content=lambda: lesson_context(course, outline, item),
        reader=reader_parts().lesson(request, outline, item),
    )


def lesson_context(course, outline, item):
    """What the lesson page shows every reader, from one query."""
    lesson = Lesson.objects.select_related("body").get(pk=item.id)
    lesson.course = course
    return {
        "course": course,
        "lesson": lesson,
        "lesson_url": item.url,
        "has_checklist": has_checklist(lesson.body.html),
        "outline": outline,
        # A visitor's outline has no marks, so it is the same for every visitor.
        "outline_for_visitors": outline.html().render(
            current_id=item.id, open_ids=outline.section_chain_ids(item.section_id)
        ),
        "sections": outline.section_chain(item.section_id),
        "previous": outline.previous_link(lesson),
        "next": outline.next_link(lesson),
        "toc": [] if lesson.hide_table_of_contents else lesson.body.toc,
    }


def get_search_scope(course_slug):
    """The course a search is limited to (?course=<slug>), or None for all courses."""
    if not course_slug:
        return None
    if not slug_re.match(course_slug):
        raise Http404("No such course.")
    return get_course(course_slug)


@require_safe
@sign_in_required_if_configured
def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    course = get_search_scope(request.GET.get("course"))
    return render_page(
        request,
        "courses/search.html",
        key=outline_cache_key(course) if course else None,
        content=lambda: {"course": course},
        reader=Reader(
            facts={"searched": bool(query)},
            values={
                "query": query,
                "all_courses_query": f"?q={urlencode(query)}" if query else "",
                "results": partial(search_results, request, query, course),
            },
        ),
    )


def search_results(request, query, course):
    """The hits of a search, a page of them, each ticked when the learner has completed it."""
    results = search_lessons(query, course=course)
    page = Paginator(results, SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    done_ids = reader_parts().completed_among(request, [hit.lesson_id for hit in page.object_list])
    context = {"query": query, "page": page, "done_ids": done_ids}
    return render_to_string("courses/_search_results.html", context, request)


@require_safe
@sign_in_required_if_configured
def asset(request, course_slug, digest, filename):
    """An image imported with a course, from the database. The URL names its content hash,
    so browsers may keep it for a year."""
    if len(digest) != 16 or not all(c in "0123456789abcdef" for c in digest):
        raise Http404("No such file.")
    assets = Asset.objects.filter(course__slug=course_slug, digest__startswith=digest)
    found = next((a for a in assets if a.path.rsplit("/", 1)[-1] == filename), None)
    if found is None:
        raise Http404("No such file.")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    scope = "private" if settings.LESSONS_REQUIRE_LOGIN else "public"
    response["Cache-Control"] = f"{scope}, max-age=31536000, immutable"
    if found.content_type == "image/svg+xml":
        # Opened directly, an SVG is a document: keep any script in it from running here.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    return response
