from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from courses.models import Course, Lesson

EMAIL_TAKEN = "An account with this email address already exists."


class User(AbstractUser):
    """Coursebook's own user model, so it can grow without a painful migration later."""

    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The name shown on certificates; the full name or username when empty.",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # One account per address, however it is capitalised: a password reset mails
            # every account with the address it is given.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="unique_user_email",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    @property
    def shown_name(self):
        """The name the learner chose to show, else their full name, else their username."""
        return self.display_name.strip() or self.get_full_name() or self.get_username()


class CompletionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def in_course(self, course):
        return self.filter(course=course)


class Completion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    # The course is the lesson's, stored again so one learner's progress in a course is
    # a single indexed lookup.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="The lesson's text hash when it was completed."
    )

    objects = CompletionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="unique_completion"),
        ]
        indexes = [
            # Covers a learner's progress in a course (lesson ids and the hashes they were
            # read in), so every course and lesson page reads the index alone.
            models.Index(
                fields=["user", "course", "lesson", "content_hash"],
                name="completion_user_progress",
            ),
            models.Index(fields=["user", "-completed_at"], name="completion_user_recent"),
        ]

    def __str__(self):
        return f"{self.user} completed {self.lesson}"


class Enrollment(models.Model):
    """When a learner first opened (or completed) a lesson of the course. Where they go
    next and whether they finished are worked out from their completions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="unique_enrollment"),
        ]

    def __str__(self):
        return f"{self.user} in {self.course}"


class PasswordResetRequestQuerySet(models.QuerySet):
    def since(self, moment):
        return self.filter(requested_at__gte=moment)


class PasswordResetRequest(models.Model):
    """One request for a password-reset mail, kept for as long as the reset limits look back
    (see `learners.password_reset`), in the database so every app server counts them all."""

    email = models.CharField(max_length=254, help_text="As typed, lowercased.")
    client = models.CharField(max_length=45, help_text="The address the request came from.")
    requested_at = models.DateTimeField(default=timezone.now)

    objects = PasswordResetRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["email", "requested_at"], name="reset_request_email"),
            models.Index(fields=["client", "requested_at"], name="reset_request_client"),
        ]

    def __str__(self):
        return f"Password reset for {self.email} from {self.client}"


class ChecklistTick(models.Model):
    """A learner's state of one task-list item of a lesson (`- [ ] I can …`). The item is
    known by the key its text gives it, so the tick stays through re-imports for as long as
    the text is unchanged. Unticking an item the author ticked is kept too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checklist_ticks"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="checklist_ticks")
    item_key = models.CharField(max_length=40)
    ticked = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "item_key"], name="unique_checklist_tick"
            ),
        ]

    def __str__(self):
        state = "ticked" if self.ticked else "unticked"
        return f"{self.user} {state} {self.item_key} in {self.lesson}"
