from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from circles.models import Circle, Program

REPORT_YEARS = (1950, 2100)


class LongSelect(forms.Select):
    """A select written in Python: Django renders each option through its own template,
    which took 0.3–0.8 s for the 1,000 circles of a large program's circle filter
    (bench/exports.py) — more than every report query of the page. Same HTML otherwise."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            (option["value"], flatatt(option["attrs"]), option["label"])
            for _group, group_options, _index in widget["optgroups"]
            for option in group_options  # no optgroups: every choice here is flat
        ]
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (("" if v is None else str(v), a, label) for v, a, label in options),
            ),
        )


class ReportFilterForm(forms.Form):
    """The filters every report and export shares. The program and circle choices are
    limited to what the person may report on, so naming another program's circle is a
    field error, not a way in."""

    program = forms.ModelChoiceField(
        required=False, queryset=Program.objects.none(), to_field_name="slug", empty_label="All"
    )
    circle = forms.ModelChoiceField(
        required=False,
        queryset=Circle.objects.none(),
        to_field_name="slug",
        empty_label="All",
        widget=LongSelect,
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Both kinds"), *Circle.Kind.choices])
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, programs, every_circle: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        # Staff report on every circle, also those no program owns.
        circles = (
            Circle.objects.all() if every_circle else Circle.objects.filter(program__in=programs)
        )
        # Only what an option shows: a large program has 1,000 circles to list.
        self.fields["circle"].queryset = circles.order_by("name").only("pk", "slug", "name")

    def _clean_date(self, name: str):
        value = self.cleaned_data.get(name)
        if value and not (REPORT_YEARS[0] <= value.year <= REPORT_YEARS[1]):
            raise forms.ValidationError(
                f"Choose a date between {REPORT_YEARS[0]} and {REPORT_YEARS[1]}."
            )
        return value

    def clean_start(self):
        return self._clean_date("start")

    def clean_end(self):
        return self._clean_date("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date must be on or after the start date.")
        circle, program = data.get("circle"), data.get("program")
        if circle and program and circle.program_id != program.pk:
            self.add_error("circle", f"{circle.name} is not part of {program.name}.")
        return data

    def circles(self):
        """The circles the valid filters select."""
        data = self.cleaned_data
        circles = self.fields["circle"].queryset
        if data.get("program"):
            circles = circles.filter(program=data["program"])
        if data.get("circle"):
            circles = circles.filter(pk=data["circle"].pk)
        if data.get("kind"):
            circles = circles.filter(kind=data["kind"])
        return circles

    def describe(self) -> str:
        """The filters in words, for headings and the export audit trail."""
        data = self.cleaned_data
        where = data.get("circle") or data.get("program") or "All programs"
        parts = [str(where)]
        if data.get("kind"):
            parts.append(Circle.Kind(data["kind"]).label)
        if data.get("start") or data.get("end"):
            parts.append(f"{data.get('start') or 'the start'} to {data.get('end') or 'today'}")
        return ", ".join(parts)

    def as_query(self) -> dict:
        data = self.cleaned_data
        return {
            "program": data["program"].slug if data.get("program") else "",
            "circle": data["circle"].slug if data.get("circle") else "",
            "kind": data.get("kind") or "",
            "start": data["start"].isoformat() if data.get("start") else "",
            "end": data["end"].isoformat() if data.get("end") else "",
        }
