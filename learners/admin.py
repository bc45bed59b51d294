from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import path, reverse
from django.utils.html import format_html

from courses.admin import CourseAdmin
from courses.models import Course
from learners import reports
from learners.models import ChecklistTick, Completion, Enrollment, User


@admin.register(User)
class CoursebookUserAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, ("Certificates", {"fields": ["display_name"]})]


class CourseWithProgressAdmin(CourseAdmin):
    """The course admin plus its learners' progress report, added here because
    `courses` never imports `learners`."""

    change_form_template = "admin/learners/course_change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:course_id>/progress/",
                self.admin_site.admin_view(reports.course_progress),
                name="courses_course_progress",
            ),
            path(
                "<int:course_id>/progress.csv",
                self.admin_site.admin_view(reports.course_progress_csv),
                name="courses_course_progress_csv",
            ),
            *super().get_urls(),
        ]

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if request.user.has_perm("learners.view_completion"):
            return [*list_display, "progress_report"]
        return list_display

    @admin.display(description="progress")
    def progress_report(self, course):
        url = reverse("admin:courses_course_progress", args=[course.pk])
        return format_html('<a href="{}">Progress report</a>', url)


admin.site.unregister(Course)
admin.site.register(Course, CourseWithProgressAdmin)


@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "course", "completed_at"]
    list_filter = ["course", ("user", admin.RelatedOnlyFieldListFilter), "completed_at"]
    list_select_related = ["user", "lesson", "course"]
    search_fields = ["user__username", "user__email", "lesson__title"]
    date_hierarchy = "completed_at"
    raw_id_fields = ["user", "lesson"]
    readonly_fields = ["course", "content_hash"]

    def save_model(self, request, obj, form, change):
        # A completion belongs to its lesson's course (see Completion.course).
        obj.course_id = obj.lesson.course_id
        if not change:
            obj.content_hash = obj.lesson.content_hash
        super().save_model(request, obj, form, change)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "started_at"]
    list_filter = ["course", ("user", admin.RelatedOnlyFieldListFilter), "started_at"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "user__email", "course__title"]
    date_hierarchy = "started_at"
    raw_id_fields = ["user", "course"]


@admin.register(ChecklistTick)
class ChecklistTickAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "item_key", "ticked", "updated_at"]
    list_filter = ["ticked", "lesson__course"]
    list_select_related = ["user", "lesson"]
    search_fields = ["user__username", "lesson__title"]
    raw_id_fields = ["user", "lesson"]
