from django.db import migrations

# The topics peer circles and research workgroups most often name; organizers can add more.
TOPICS = [
    ("Promotion and tenure", "promotion"),
    ("Negotiation", "negotiation"),
    ("Parental leave and caregiving", "parental-leave"),
    ("Burnout and wellbeing", "burnout"),
    ("Harassment and discrimination", "harassment"),
    ("Leadership", "leadership"),
    ("Work-life integration", "work-life"),
    ("Career planning", "career-planning"),
    ("Grant writing", "grant-writing"),
    ("Manuscripts and publishing", "manuscripts"),
    ("Career development awards", "career-development-awards"),
    ("Research methods", "research-methods"),
    ("Clinical teaching", "clinical-teaching"),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("circles", "Topic")
    for name, slug in TOPICS:
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("circles", "0001_initial")]

    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
