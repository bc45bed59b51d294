"""One account per email address, ignoring case.

Accounts that already share an address keep working: the one that signed in most recently
keeps the address (if none of them ever signed in, the oldest account does), and the others'
addresses are cleared. They still sign in with their username and password; staff can give
them a new address in the admin. The migration prints a line for every address it clears.
"""

from django.db import migrations, models
from django.db.models import Count, F
from django.db.models.functions import Lower


def clear_shared_addresses(apps, schema_editor):
    User = apps.get_model("learners", "User")
    with_email = User.objects.exclude(email="").annotate(address=Lower("email"))
    shared = (
        with_email.values("address").annotate(accounts=Count("pk")).filter(accounts__gt=1)
    )
    for group in shared:
        keeper, *others = with_email.filter(address=group["address"]).order_by(
            F("last_login").desc(nulls_last=True), "date_joined", "pk"
        )
        for user in others:
            print(
                f"\n  Cleared the email address of {user.username!r}: {keeper.username!r}"
                f" keeps {keeper.email!r}.",
                end="",
            )
            user.email = ""
            user.save(update_fields=["email"])


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('learners', '0003_passwordresetrequest'),
    ]

    operations = [
        migrations.RunPython(clear_shared_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(
                Lower('email'),
                condition=models.Q(('email', ''), _negated=True),
                name='unique_user_email',
                violation_error_message='An account with this email address already exists.',
            ),
        ),
    ]
