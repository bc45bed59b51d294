import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('learners', '0002_completion_progress_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='PasswordResetRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.CharField(help_text='As typed, lowercased.', max_length=254)),
                ('client', models.CharField(help_text='The address the request came from.', max_length=45)),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'indexes': [
                    models.Index(fields=['email', 'requested_at'], name='reset_request_email'),
                    models.Index(fields=['client', 'requested_at'], name='reset_request_client'),
                ],
            },
        ),
    ]
