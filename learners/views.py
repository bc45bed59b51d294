from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.proxies import client_address
from courses.views import get_course, get_published_lesson
from learners import checklists, progress, reset_limits
from learners.forms import AccountForm, PasswordChangeForm, SignUpForm


def safe_next_url(request, default):
    """The `next` parameter when it points at this site, otherwise `default`."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(default)


def sign_in_then_back_to_the_lesson(view):
    """Like login_required, but after signing in the learner lands on the lesson, not on
    the POST-only URL they were refused at."""

    @wraps(view)
    def wrapper(request, course_slug, lesson_path):
        if not request.user.is_authenticated:
            if not lesson_path:  # the course's front page
                return redirect_to_login(reverse("courses:course", args=[course_slug]))
            return redirect_to_login(reverse("courses:lesson", args=[course_slug, lesson_path]))
        return view(request, course_slug, lesson_path)

    return wrapper


def sign_up(request):
    if request.user.is_authenticated:
        return redirect(safe_next_url(request, "learners:dashboard"))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. Your account is ready.")
        return redirect(safe_next_url(request, "courses:catalogue"))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, with wrong old passwords throttled like sign-ins (see PasswordChangeForm)."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with its mails limited per email address and per client (reset_limits)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        over_limit = reset_limits.record_request(email, client_address(self.request))
        if over_limit == "client":
            return render(
                self.request,
                "registration/password_reset_limited.html",
                {"minutes": settings.PASSWORD_RESET_LIMIT_MINUTES},
                status=429,
            )
        if over_limit == "email":
            # The page every request gets, known address or not: the address has already
            # had its share of mails, and the links in them still work.
            return redirect(self.get_success_url())
        return super().form_valid(form)


@login_required
def dashboard(request):
    courses = progress.learner_courses(request.user)
    context = {
        "in_progress": [summary for summary in courses if 0 < summary.done < summary.total],
        "opened": [summary for summary in courses if not summary.done],
        "finished": [summary for summary in courses if summary.is_complete],
        "recent": progress.recent_completions(request.user),
    }
    return render(request, "learners/dashboard.html", context)


@login_required
def course_complete(request, course_slug):
    """The learner's own finished course: when, its lessons, and a certificate to print."""
    course = get_course(course_slug)
    course_progress = progress.course_progress(request.user, course)
    if not course_progress.is_complete:
        messages.info(request, f"You have not finished “{course.title}” yet.")
        return redirect(course)
    context = {
        "course": course,
        "progress": course_progress,
        "finished_at": progress.finished_at(request.user, course),
    }
    return render(request, "learners/course_complete.html", context)


@login_required
def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Your certificates now show “{request.user.shown_name}”.")
        return redirect(safe_next_url(request, "learners:account"))
    return render(
        request, "learners/account.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
def reset_progress(request, course_slug):
    course = get_course(course_slug)
    if request.method == "POST":
        progress.reset_course(request.user, course)
        messages.success(request, f"Your progress in “{course.title}” was reset.")
        return redirect("learners:dashboard")
    course_progress = progress.course_progress(request.user, course)
    return render(
        request,
        "learners/reset_confirm.html",
        {"course": course, "progress": course_progress},
    )


@login_required
def export_progress(request):
    response = JsonResponse(
        progress.export_progress(request.user), json_dumps_params={"indent": 2}
    )
    filename = f"coursebook-progress-{request.user.get_username()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@sign_in_then_back_to_the_lesson
def complete(request, course_slug, lesson_path):
    """Mark the lesson complete and go on to the next lesson not yet completed, or to the
    course-complete page when that was the last one."""
    lesson = get_published_lesson(course_slug, lesson_path)
    course_progress = progress.mark_complete(request.user, lesson)
    if course_progress.is_complete:
        return redirect("learners:course_complete", lesson.course.slug)
    messages.success(request, f"“{lesson.title}” completed.")
    named_next = course_progress.outline.next_link(lesson)
    if named_next is not None and named_next.id not in course_progress.done_ids:
        return redirect(named_next.url)
    next_lesson = course_progress.next_unread_from(lesson)
    return redirect(next_lesson.url if next_lesson else lesson.course.get_absolute_url())


@require_POST
@sign_in_then_back_to_the_lesson
def save_checklist(request, course_slug, lesson_path):
    """Save the learner's ticks in the lesson's checklist: the whole list from the form, or
    the `item`s the script names, one at a time."""
    lesson = get_published_lesson(course_slug, lesson_path)
    ticked = checklists.save_ticks(
        request.user,
        lesson,
        ticked=set(request.POST.getlist("ticked")),
        keys=request.POST.getlist("item") or None,
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ticked": ticked})
    messages.success(request, "Your checklist is saved.")
    return redirect(f"{lesson.get_absolute_url()}#{checklists.FORM_ID}")


@require_POST
@sign_in_then_back_to_the_lesson
def incomplete(request, course_slug, lesson_path):
    lesson = get_published_lesson(course_slug, lesson_path)
    progress.mark_incomplete(request.user, lesson)
    messages.info(request, f"“{lesson.title}” is marked as not completed.")
    return redirect(lesson.get_absolute_url())
