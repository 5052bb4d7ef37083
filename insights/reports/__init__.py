"""Daily, weekly and monthly reports by email, built on the insights summaries.

``periods`` computes a period's bounds, ``content`` reads its figures and the previous
period's from the configured sink (``insights.aggregations.summarize``), ``charts`` draws
them, ``render`` writes the HTML, text and CSV, ``send`` builds the email, ``services`` sends
a scheduled report once per period (``ReportRun`` in ``models``). Celery beat fires
``workers.reports.send_scheduled_report`` from the database schedules that migration 0004
of this app installs; ``manage.py sendreport`` and ``GET /api/v1/reports/preview`` do the
same on demand.
"""
