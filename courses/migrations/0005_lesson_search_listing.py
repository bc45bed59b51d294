"""An index holding what search reads of each matching lesson (its course and whether it is
listed), so SQLite need not step through the lesson's Markdown and HTML to reach them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_edited_in_admin_marks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lesson",
            index=models.Index(
                fields=["id", "course", "draft", "unlisted", "archived"],
                name="lesson_search_listing",
            ),
        ),
    ]
