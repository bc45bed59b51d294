from django import template

register = template.Library()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes, rounded up, for "wait 15 minutes"."""
    return max(1, -(-int(duration.total_seconds()) // 60))
