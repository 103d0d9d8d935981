"""Every URL pattern of the site (config/urls.py, allauth and the admin included), as
path templates the request sweeps in this folder fill with good or hostile values."""

import re
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _template(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else prefix or "/"
            yield name, prefix + _template(entry.pattern), entry.default_args


def _template(pattern) -> str:
    """The pattern as a path with `{converter:name}` placeholders."""
    if isinstance(pattern, RegexPattern):
        text = pattern._regex.lstrip("^").removesuffix("$").removesuffix(r"\Z")
        return REGEX_GROUP.sub(lambda m: "{regex:" + m["name"] + "}", text)
    return ROUTE_PARAM.sub(
        lambda m: "{" + (m["converter"] or "str") + ":" + m["name"] + "}", str(pattern)
    )


PLACEHOLDER = re.compile(r"\{(?P<converter>[^:}]+):(?P<name>[^}]+)\}")
ALL_ROUTES = sorted({(name, template) for name, template, _ in _walk(get_resolver().url_patterns)})
# The Django admin's own pages (staff only) are left to the admin's tests; the sweeps here
# check them only as visitors and non-staff see them (a redirect to log in).
ROUTES = [(name, template) for name, template in ALL_ROUTES if not name.startswith("admin")]
ADMIN_ROUTES = [(name, template) for name, template in ALL_ROUTES if name.startswith("admin")]


def url_for(template: str, good: dict, bad: tuple[str, str] | None = None) -> str:
    def value(match) -> str:
        if bad and match["name"] == bad[0]:
            return quote(bad[1], safe="")
        return str(good.get(match["name"], good.get(match["converter"], "x")))

    return "/" + PLACEHOLDER.sub(value, template)


def good_values(world: dict, name: str) -> dict:
    good = dict(world)
    if name.startswith("members:milestone"):
        good["pk"] = world["milestone"]
    elif name.startswith("circles:invitation"):
        good["pk"] = world["invitation"]
    return good
