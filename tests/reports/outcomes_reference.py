# The SQL below is the pre-issue-12 outcome SQL, kept verbatim as a test oracle.
# ruff: noqa: S608
"""The outcome figures as reports/figures.py computed them before `outcome_family`: one
query per grouping, each re-running the person CTE with correlated subqueries. Kept only
so tests can prove the one-pass family returns the same rows (before suppression)."""

from reports.figures import (
    CDA,
    GRANT,
    POSITION,
    PROMOTION,
    PUBLICATION,
    SEATED,
    WOMAN,
    Scope,
    _as_date,
    _date_of,
    _fetch,
    _trunc,
    _with,
)

NO_PROGRAM = "No program"
OUTCOME_SUMS = """
    COUNT(*) AS members, SUM(current) AS current, SUM(woman) AS women,
    SUM(retained) AS retained, SUM(cda) AS with_cda, SUM(grants) AS grants,
    SUM(publications) AS publications, SUM(promotions) AS promotions"""
BREAKDOWNS = ("gender", "urim")


def _people(scope: Scope) -> tuple[str, list]:
    """WITH clauses (after _with): `people` has one row per person per circle they ever sat in, with
    their first joining, whether they hold a seat now, and their milestone counts."""
    joined_date, joined_params = _date_of("pc.first_joined")
    # Retention as of the end of the range (today without one): later moves do not count.
    params = [scope.until, scope.until.date()]
    range_sql, range_params = "", []
    if scope.start:
        range_sql += " AND mi.date >= %s"
        range_params.append(scope.start.date())
    if scope.end:
        range_sql += " AND mi.date < %s"
        range_params.append(scope.end.date())
    sql = f"""
    per_circle AS (
        SELECT ms.circle_id, ms.user_id, MIN(ms.joined_at) AS first_joined,
               MAX(CASE WHEN ms.status IN ({SEATED}) THEN 1 ELSE 0 END) AS current,
               MAX(ms.ended_at) AS last_ended
        FROM circles_membership ms
        WHERE ms.joined_at IS NOT NULL AND ms.circle_id IN (SELECT id FROM scope_circles)
          AND ms.joined_at < %s
        GROUP BY ms.circle_id, ms.user_id
    ),
    latest_position AS (
        SELECT member_id, in_academia FROM (
            SELECT mi.member_id, mi.in_academia,
                   ROW_NUMBER() OVER (PARTITION BY mi.member_id ORDER BY mi.date DESC, mi.id DESC)
                       AS n
            FROM members_milestone mi WHERE mi.kind = {POSITION} AND mi.date <= %s
        ) ranked WHERE n = 1
    ),
    people AS (
        SELECT pc.circle_id, pc.user_id, pc.first_joined, pc.last_ended,
               -- Holds a seat now, whatever the range (a rejoiner is not an alumnus).
               CASE WHEN EXISTS (SELECT 1 FROM circles_membership cm
                    WHERE cm.circle_id = pc.circle_id AND cm.user_id = pc.user_id
                      AND cm.status IN ({SEATED})) THEN 1 ELSE 0 END AS current,
               CASE WHEN u.gender = {WOMAN} THEN 1 ELSE 0 END AS woman,
               u.gender, u.underrepresented_in_medicine AS urim,
               CASE WHEN lp.in_academia = FALSE THEN 0 ELSE 1 END AS retained,
               CASE WHEN EXISTS (SELECT 1 FROM members_milestone mi
                    WHERE mi.member_id = pc.user_id AND mi.kind = {CDA}) THEN 1 ELSE 0 END AS cda,
               (SELECT COUNT(*) FROM members_milestone mi WHERE mi.member_id = pc.user_id
                  AND mi.kind = {GRANT} AND mi.date >= {joined_date} {range_sql}) AS grants,
               (SELECT COUNT(*) FROM members_milestone mi WHERE mi.member_id = pc.user_id
                  AND mi.kind = {PUBLICATION} AND mi.date >= {joined_date} {range_sql})
                   AS publications,
               (SELECT COUNT(*) FROM members_milestone mi WHERE mi.member_id = pc.user_id
                  AND mi.kind = {PROMOTION} AND mi.date >= {joined_date} {range_sql})
                   AS promotions
        FROM per_circle pc
        JOIN members_user u ON u.id = pc.user_id
        LEFT JOIN latest_position lp ON lp.member_id = pc.user_id
    )"""
    params += (joined_params + range_params) * 3
    return sql, params


def reference_outcomes(scope: Scope, *, by: str = "program") -> list[dict]:
    """Members ever / current / alumni, women, retained in academic positions, with a
    career development award, grants, publications and promotions since joining — per
    program, circle or joining-year cohort, plus an "All" row across the scope. A person
    counts once per row (in two circles of one program: once in the program row)."""
    people, params = _with(scope, _people(scope))
    if by == "circle":
        group = """
        SELECT c.name AS label, c.slug AS slug, {sums} FROM people
        JOIN circles_circle c ON c.id = people.circle_id GROUP BY c.id, c.name, c.slug
        ORDER BY c.name"""
    elif by == "cohort":
        year, year_params = _trunc("year", "first_joined")
        params = params + year_params
        group = f"""
        SELECT {year} AS label, '' AS slug, {{sums}} FROM (
            SELECT user_id, MIN(first_joined) AS first_joined, MAX(current) AS current,
                   MAX(woman) AS woman, MIN(retained) AS retained, MAX(cda) AS cda,
                   MAX(grants) AS grants, MAX(publications) AS publications,
                   MAX(promotions) AS promotions
            FROM people GROUP BY user_id
        ) person GROUP BY 1 ORDER BY 1"""
    elif by in BREAKDOWNS:
        group = f"""
        SELECT {by} AS label, '' AS slug, {{sums}} FROM (
            SELECT user_id, MAX({by}) AS {by}, MAX(current) AS current, MAX(woman) AS woman,
                   MIN(retained) AS retained, MAX(cda) AS cda, MAX(grants) AS grants,
                   MAX(publications) AS publications, MAX(promotions) AS promotions
            FROM people GROUP BY user_id
        ) person GROUP BY {by} ORDER BY {by}"""
    else:
        # Circles in no program get a "No program" row (last), so the rows add up to All.
        group = """
        SELECT p.id AS program_id, p.name AS label, COALESCE(p.slug, '') AS slug, {sums} FROM (
            SELECT c.program_id, people.user_id, MAX(current) AS current, MAX(woman) AS woman,
                   MIN(retained) AS retained, MAX(cda) AS cda, MAX(grants) AS grants,
                   MAX(publications) AS publications, MAX(promotions) AS promotions
            FROM people JOIN circles_circle c ON c.id = people.circle_id
            GROUP BY c.program_id, people.user_id
        ) person LEFT JOIN circles_program p ON p.id = person.program_id
        GROUP BY p.id, p.name, p.slug
        ORDER BY CASE WHEN p.id IS NULL THEN 1 ELSE 0 END, p.name"""
    rows = _fetch(f"{people} {group.format(sums=OUTCOME_SUMS)}", params)
    if by == "cohort":
        for row in rows:
            row["label"] = str(_as_date(row["label"]).year)
    if by == "program":
        for row in rows:
            row["label"] = NO_PROGRAM if row["program_id"] is None else row["label"]
    return rows


def reference_totals(scope: Scope) -> dict:
    """The scope-wide outcome line: each person once."""
    people, params = _with(scope, _people(scope))
    rows = _fetch(
        f"""{people}
        SELECT 'All' AS label, '' AS slug, {OUTCOME_SUMS} FROM (
            SELECT user_id, MAX(current) AS current, MAX(woman) AS woman,
                   MIN(retained) AS retained, MAX(cda) AS cda, MAX(grants) AS grants,
                   MAX(publications) AS publications, MAX(promotions) AS promotions
            FROM people GROUP BY user_id
        ) person""",
        params,
    )
    return rows[0]
