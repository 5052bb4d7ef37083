"""`python manage.py install_es_templates`: create or update the Elasticsearch index templates."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from insights.errors import SinkUnavailable
from insights.sinks.elasticsearch import ElasticsearchSink


class Command(BaseCommand):
    help = "Install the index templates (explicit mappings) of every event family in Elasticsearch."

    def handle(self, *args, **options) -> None:
        if not settings.ELASTICSEARCH_URL:
            raise CommandError("ELASTICSEARCH_URL is not set: events go to the database sink.")
        try:
            names = ElasticsearchSink.from_settings().install_templates()
        except SinkUnavailable as exc:
            raise CommandError(str(exc)) from exc
        for name in names:
            self.stdout.write(f"installed index template {name}")
