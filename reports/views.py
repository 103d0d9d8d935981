"""Report pages and downloads: `/reports/` for program admins and staff, and a circle's
participation page for its organizers. Figures come from reports/figures.py, files from
reports/exports.py; every download leaves an `Export` row (who, what, when)."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from circles.access import get_circle

from . import charts, exports, figures, jobs, suppression, tasks
from .access import get_report_programs
from .figures import Scope, cached
from .forms import ReportFilterForm
from .models import Export
from .spreadsheets import streamed_csv

ROWS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request: HttpRequest, data) -> tuple[ReportFilterForm, Scope | None]:
    programs = get_report_programs(request)
    form = ReportFilterForm(data, programs=programs, every_circle=request.user.is_staff)
    if not form.is_valid():
        return form, None
    return form, jobs.scope_of(form, _zone(request))


def _zone(request: HttpRequest) -> str:
    return request.user.timezone or "UTC"


def _filename(name: str, ext: str) -> str:
    return f"roundtable-{name}-{timezone.now():%Y%m%d-%H%M}.{ext}"


def _record(request, report: str, fmt: str, describe: str, filters: dict, **fields) -> Export:
    return Export.objects.create(
        requested_by=request.user,
        report=report,
        format=fmt,
        scope=describe[:500],
        filters=filters,
        **fields,
    )


WORKBOOKS = [
    (Export.Report.WORKBOOK, "Workbook XLSX (every table)"),
    (Export.Report.RESEARCH, "De-identified research XLSX"),
]
RESEARCH_PERMISSION = "reports.export_research"


def _workbooks(user) -> list:
    return [
        (report, label)
        for report, label in WORKBOOKS
        if report != Export.Report.RESEARCH or user.has_perm(RESEARCH_PERMISSION)
    ]


def _page_context(request: HttpRequest, form: ReportFilterForm, section: str) -> dict:
    valid = form.is_bound and form.is_valid()
    query = urlencode({k: v for k, v in form.as_query().items() if v}) if valid else ""
    return {
        "form": form,
        "section": section,
        "query": query,
        "workbook_choices": _workbooks(request.user),
        "settings_min_answers": settings.SURVEY_MIN_ANSWERS,
        "cache_minutes": settings.REPORTS_CACHE_SECONDS // 60,
    }


def _invalid(request, form, template: str = "participation.html", section: str = ""):
    """The page again with the filter errors next to their fields: a 400, no figures."""
    context = _page_context(request, form, section)
    return render(request, f"reports/{template}", context, status=400)


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Outcomes (the MICReW table) and the charts."""
    form, scope = _filters(request, request.GET)
    if scope is None:
        return _invalid(request, form, "overview.html", "outcomes")
    context = _page_context(request, form, "outcomes")
    attendance = cached(scope, figures.attendance_by_period)
    membership = cached(scope, figures.membership_over_time)
    usefulness = cached(scope, figures.usefulness_distribution)
    # Whole protected families only, the same as the exports (reports/suppression.py).
    outcomes = cached(scope, suppression.outcomes)
    groupings = [g for g in figures.GROUPINGS if g in outcomes.tables]
    by = request.GET.get("by")
    if by not in groupings:
        by = groupings[0] if groupings else "program"
    context.update(
        by=by,
        groupings=groupings,
        scope_label=form.describe(),
        outcomes=outcomes,
        total=outcomes.total,
        groups=outcomes.tables.get(by, []),
        breakdowns=[
            (title, table, outcomes.tables[table])
            for title, table in (("Gender", "gender"), ("Under-represented in medicine", "urim"))
            if table in outcomes.tables
        ],
        withheld_any=bool(outcomes.withheld()),
        legend=suppression.LEGEND,
        attendance=attendance,
        attendance_chart=charts.bar_chart(
            attendance["points"],
            value="rate",
            label=charts.period_label(attendance["unit"]),
            maximum=100,
            unit="%",
            newest_first=True,
        ),
        membership=membership,
        membership_chart=charts.bar_chart(
            membership["points"],
            value="members",
            label=charts.period_label(membership["unit"]),
            integer=True,
            newest_first=True,
        ),
        usefulness=usefulness,
        usefulness_chart=charts.bar_chart(
            usefulness["points"],
            value="answers",
            label=lambda p: str(p["score"]),
            integer=True,
        ),
    )
    return render(request, "reports/overview.html", context)


@login_required
@require_safe
def participation(request: HttpRequest) -> HttpResponse:
    form, scope = _filters(request, request.GET)
    if scope is None:
        return _invalid(request, form, "participation.html", "participation")
    context = _page_context(request, form, "participation")
    context.update(scope_label=form.describe(), **_participation(request, scope))
    return render(request, "reports/participation.html", context)


def _participation(request: HttpRequest, scope: Scope) -> dict:
    """Per circle (all), per member and per meeting (a page of each)."""
    circles = cached(scope, figures.circle_summaries)
    # The totals line covers every circle; the table shows a page of them (rendering a
    # program's 1,000 rows took longer than computing them: bench/exports.py).
    circle_page = Paginator(circles, ROWS_PER_PAGE).get_page(request.GET.get("circles_page"))
    circle_page.param = "circles_page"
    members = _sql_page(request, "members", cached(scope, figures.count_members))
    meetings = _sql_page(request, "meetings", cached(scope, figures.count_meetings))
    members.rows = figures.member_rows(scope, limit=ROWS_PER_PAGE, offset=members.offset)
    meetings.rows = figures.meeting_rows(scope, limit=ROWS_PER_PAGE, offset=meetings.offset)
    return {
        "circles": circle_page.object_list,
        "circle_page": circle_page,
        "totals": figures.totals(circles),
        "members": members,
        "meetings": meetings,
    }


def _sql_page(request: HttpRequest, name: str, count: int):
    """A Paginator page over a count; the caller fetches the rows with LIMIT/OFFSET."""
    page = Paginator(range(count), ROWS_PER_PAGE).get_page(request.GET.get(f"{name}_page"))
    page.offset = page.start_index() - 1 if count else 0
    page.param = f"{name}_page"
    return page


@login_required
@require_safe
def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in exports.TABLES:
        raise Http404("No such table.")
    form, scope = _filters(request, request.GET)
    if scope is None:
        return _invalid(request, form)
    _title, header, rows = exports.TABLES[table]
    _record(request, table, Export.Format.CSV, form.describe(), form.as_query())
    if table == "participation":
        return exports.participation_csv(_filename(table, "csv"), scope)
    return streamed_csv(_filename(table, "csv"), header, rows(scope))


@login_required
@require_POST
def report_workbook(request: HttpRequest, report: str) -> HttpResponse:
    """The workbook (every table) or the research export: at once when small, else a job."""
    if report not in (Export.Report.WORKBOOK, Export.Report.RESEARCH):
        raise Http404("No such export.")
    if report == Export.Report.RESEARCH and not request.user.has_perm(RESEARCH_PERMISSION):
        get_report_programs(request)  # anonymous-like outsiders: the usual 403 first
        raise PermissionDenied("The research export needs its own permission; ask staff.")
    form, scope = _filters(request, request.POST)
    if scope is None:
        return _invalid(request, form)
    filters = {**form.as_query(), "zone": _zone(request)}
    return _workbook(request, report, scope, form.describe(), filters)


def _workbook(request, report: str, scope: Scope, describe: str, filters: dict):
    rows = figures.count_facts(scope)
    if rows > settings.REPORTS_INLINE_MAX_ROWS:
        export = _record(
            request,
            report,
            Export.Format.XLSX,
            describe,
            filters,
            status=Export.Status.QUEUED,
            rows_total=rows,
        )
        transaction.on_commit(lambda: tasks.enqueue_build(export.pk))
        messages.info(request, "Your export is being built; this page shows its progress.")
        return redirect("reports:export_status", public_id=export.public_id)
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    written = jobs.write(report, file, scope, describe)
    _record(
        request,
        report,
        Export.Format.XLSX,
        describe,
        filters,
        rows_total=written,
        rows_done=written,
        finished_at=timezone.now(),
    )
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=_filename(report, "xlsx"))


def _own_export(request: HttpRequest, public_id) -> Export:
    # Only the person who asked may watch or download it; anyone else learns nothing.
    return get_object_or_404(Export, public_id=public_id, requested_by=request.user)


@login_required
@require_safe
def export_status(request: HttpRequest, public_id) -> HttpResponse:
    export = _own_export(request, public_id)
    template = "reports/_export_status.html" if request.htmx else "reports/export_status.html"
    return render(request, template, {"export": export})


@login_required
@require_safe
def export_download(request: HttpRequest, public_id) -> HttpResponse:
    export = _own_export(request, public_id)
    try:  # still allowed to see what it holds?
        jobs.scope_for(request.user, export.filters)
    except jobs.ScopeError as error:
        raise PermissionDenied(str(error)) from error
    if export.status != Export.Status.DONE or not export.file_name:
        raise Http404("This export is not ready or no longer kept.")
    path = jobs.file_path(export)
    if not path.exists():
        raise Http404("This export is no longer kept.")
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=_filename(export.report, "xlsx"),
        content_type=XLSX,
    )


# --- a circle's own participation, for its organizers ------------------------------------


@login_required
@require_safe
def circle_participation(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    scope = Scope(circles=type(circle).objects.filter(pk=circle.pk))
    context = {"circle": circle, **_participation(request, scope)}
    return render(request, "reports/circle_participation.html", context)


@login_required
@require_safe
def circle_participation_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    if table not in exports.ORGANIZER_TABLES:
        raise Http404("No such table.")
    scope = Scope(circles=type(circle).objects.filter(pk=circle.pk))
    _title, header, rows = exports.TABLES[table]
    _record(request, table, Export.Format.CSV, str(circle), {"organizer_circle": circle.slug})
    if table == "participation":
        return exports.participation_csv(_filename(f"{circle.slug}-participation", "csv"), scope)
    return streamed_csv(_filename(f"{circle.slug}-{table}", "csv"), header, rows(scope))
