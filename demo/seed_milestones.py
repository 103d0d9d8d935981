"""Demo career milestones for `seed_demo`: the outcome ledger of the MICReW-style workgroup
and a few of the peer circle's.

The workgroup's figures match the program it is modeled on: of its 30 members since 2015,
15 received a career development award while in the group or after joining it, and 29 are
still in academic positions (one alumnus left for industry; several others moved to
faculty positions elsewhere, which keeps them in academia). Every name, title and grant
here is made up. Dates are ISO days.
"""

from datetime import UTC, date, datetime, time
from typing import NamedTuple

from django.db import transaction

from members.models import Milestone, User

from .data import ORGANIZER_EMAIL

CDA = Milestone.Kind.CAREER_DEVELOPMENT_AWARD
GRANT = Milestone.Kind.RESEARCH_GRANT
PAPER = Milestone.Kind.PUBLICATION
PROMOTION = Milestone.Kind.PROMOTION
LEADERSHIP = Milestone.Kind.LEADERSHIP
TALK = Milestone.Kind.INVITED_TALK
HONOR = Milestone.Kind.HONOR
MOVE = Milestone.Kind.POSITION_CHANGE


class Entry(NamedTuple):
    kind: str
    day: str
    title: str
    funder: str = ""
    link: str = ""
    in_academia: bool | None = None


def _moved(day: str, title: str, *, in_academia: bool = True) -> Entry:
    return Entry(MOVE, day, title, in_academia=in_academia)


def _paper(day: str, title: str, slug: str = "") -> Entry:
    return Entry(PAPER, day, title, link=f"https://example.org/papers/{slug}" if slug else "")


# fmt: off
MILESTONES: dict[str, list[Entry]] = {
    # --- the workgroup's current members -----------------------------------------------------
    "tomasz.nowak@demo.roundtable.test": [
        Entry(CDA, "2016-07-01", "Early mobility in mechanically ventilated adults",
              "NIH K23 (NHLBI)"),
        _paper("2018-03-14", "Early mobilization and ventilator-free days: a multicenter cohort",
               "early-mobilization-cohort"),
        Entry(GRANT, "2020-04-01", "A stepped-wedge trial of protocolized ICU mobility",
              "NIH R01 (NHLBI)"),
        Entry(PROMOTION, "2021-07-01", "Associate professor of internal medicine"),
        Entry(LEADERSHIP, "2023-01-01", "Director, ICU clinical research program"),
        Entry(TALK, "2024-05-19", "Mobility is medicine: ATS International Conference symposium"),
    ],
    "grace@demo.roundtable.test": [
        Entry(GRANT, "2017-05-01", "Nurse-led delirium screening at the bedside",
              "AACN Impact Research Grant"),
        _paper("2019-09-02", "Feasibility of nurse-led CAM-ICU screening on night shifts"),
        Entry(PROMOTION, "2021-09-01", "Clinical associate professor of nursing"),
        Entry(LEADERSHIP, "2023-07-01", "Chair, hospital nursing research council"),
    ],
    "kwame.mensah@demo.roundtable.test": [
        Entry(GRANT, "2018-07-01", "Family presence during ICU rounds: a pilot",
              "Sigma Foundation for Nursing"),
        _paper("2020-02-11", "What families hear on ICU rounds: a qualitative study"),
        _paper("2023-06-20", "Open rounds and family satisfaction in two medical ICUs"),
        Entry(TALK, "2024-10-08", "Families on rounds: grand rounds, College of Nursing"),
    ],
    ORGANIZER_EMAIL: [
        Entry(GRANT, "2018-01-01", "Who comes to a post-ICU clinic, and who does not",
              "ATS Foundation Research Grant"),
        Entry(CDA, "2019-04-01", "Outcomes of a post-ICU recovery clinic", "NIH K23 (NHLBI)"),
        _paper("2020-10-05", "Post-intensive care syndrome one year after sepsis",
               "pics-one-year"),
        _paper("2022-11-15", "A recovery clinic for ICU survivors: a pragmatic evaluation"),
        Entry(PROMOTION, "2024-07-01", "Associate professor of internal medicine"),
        Entry(HONOR, "2025-05-18", "ATS Early Career Achievement Award"),
    ],
    "rosa.delgado@demo.roundtable.test": [
        _paper("2019-11-12", "Overnight nurse practitioner coverage and ICU mortality"),
        Entry(LEADERSHIP, "2022-01-01", "Lead nurse practitioner, overnight ICU service"),
        Entry(TALK, "2023-03-09", "Building an APP night team: SCCM Congress"),
    ],
    "elena.marchetti@demo.roundtable.test": [
        Entry(GRANT, "2021-03-01", "Antibiotic de-escalation after negative cultures",
              "ASHP Foundation"),
        _paper("2022-08-30", "Pharmacist-driven de-escalation in septic shock"),
        Entry(PROMOTION, "2024-07-01", "Clinical associate professor of pharmacy practice"),
    ],
    "daniel.osei@demo.roundtable.test": [
        Entry(CDA, "2020-07-01", "Intraoperative driving pressure and lung complications",
              "FAER Mentored Research Training Grant"),
        _paper("2021-12-01", "Driving pressure during abdominal surgery: a registry study"),
        Entry(CDA, "2022-09-01", "Individualized intraoperative ventilation",
              "NIH K23 (NHLBI)"),
    ],
    "aaliyah.brooks@demo.roundtable.test": [
        _paper("2022-05-16", "Night-time noise in adult ICUs: a multi-site measurement study"),
        Entry(CDA, "2023-04-01", "Light, noise and sleep disruption in critical illness",
              "NIH K23 (NINR)"),
        Entry(TALK, "2024-09-26", "Quiet time in the ICU: Midwest Nursing Research Society"),
    ],
    "rajesh.iyer@demo.roundtable.test": [
        _paper("2022-10-03", "Readmissions after sepsis in Medicare beneficiaries"),
        Entry(CDA, "2023-07-01", "Long-term cognitive outcomes of sepsis survivors",
              "NIH K01 (NIA)"),
        _paper("2024-04-22", "Trajectories of disability after sepsis", "sepsis-disability"),
        Entry(GRANT, "2025-07-01", "Linking sepsis survivors to home health records",
              "NIH R21 (NIA)"),
    ],
    "yuki.tanaka@demo.roundtable.test": [
        _paper("2023-08-07", "Benzodiazepine exposure in pediatric ICUs across 40 hospitals"),
        Entry(CDA, "2024-07-01", "Sedation practices and delirium in pediatric ICUs",
              "NIH K23 (NICHD)"),
    ],
    "ingrid.larsen@demo.roundtable.test": [
        Entry(GRANT, "2023-07-01", "Emergency department boarding of critically ill adults",
              "Emergency Medicine Foundation"),
        _paper("2024-06-11", "ICU boarding time in the emergency department and mortality"),
    ],
    "nadia.haddad@demo.roundtable.test": [
        _paper("2024-03-18", "Target trial emulation for ICU treatment decisions: a tutorial",
               "target-trial-tutorial"),
        Entry(GRANT, "2025-01-01", "Emulating trials of early vasopressin",
              "MICHR pilot grant"),
    ],
    "marcus.bell@demo.roundtable.test": [
        _paper("2025-02-24", "Physician assistant-led rapid response: a before-after study"),
        Entry(TALK, "2025-10-16", "PA-led rapid response teams: AAPA regional meeting"),
    ],
    "alex.rivera@demo.roundtable.test": [
        _paper("2025-06-30", "Silent testing of an early-warning score in the health record"),
    ],
    "omar.farouk@demo.roundtable.test": [
        _paper("2025-10-20", "AUC-guided vancomycin dosing in critically ill adults"),
    ],
    # --- the workgroup's alumni ----------------------------------------------------------------
    "carlos.mendoza@demo.roundtable.test": [
        Entry(CDA, "2016-04-01", "Acute kidney injury after septic shock", "NIH K23 (NIDDK)"),
        _moved("2016-07-01", "Assistant professor of medicine, Baylor College of Medicine"),
        Entry(GRANT, "2019-09-01", "Kidney recovery after critical illness", "NIH R01 (NIDDK)"),
        Entry(PROMOTION, "2021-07-01", "Associate professor of medicine"),
    ],
    "benjamin.hale@demo.roundtable.test": [
        Entry(CDA, "2015-12-01", "Alveolar macrophages in ventilator-induced lung injury",
              "NIH K08 (NHLBI)"),
        Entry(GRANT, "2017-04-01", "Macrophage reprogramming in ARDS", "NIH R01 (NHLBI)"),
        Entry(PROMOTION, "2017-07-01", "Associate professor of internal medicine"),
        Entry(LEADERSHIP, "2019-09-01", "Research director, Division of Pulmonary and "
              "Critical Care Medicine"),
        Entry(PROMOTION, "2023-07-01", "Professor of internal medicine"),
    ],
    "lucia.fernandez@demo.roundtable.test": [
        _paper("2016-11-07", "Early warning signs of deterioration recognized by ICU nurses"),
        Entry(LEADERSHIP, "2018-05-01", "Nurse manager, medical ICU"),
    ],
    "sarah.mitchell@demo.roundtable.test": [
        Entry(CDA, "2016-07-01", "Frailty before critical illness",
              "ATS Foundation Early Career Investigator Award"),
        Entry(CDA, "2017-12-01", "Frailty and recovery after acute respiratory failure",
              "NIH K23 (NHLBI)"),
        _moved("2019-07-01", "Assistant professor of medicine, University of Pittsburgh"),
        Entry(GRANT, "2022-04-01", "Prehabilitation for frail ICU survivors", "NIH R01 (NIA)"),
        Entry(PROMOTION, "2024-07-01", "Associate professor of medicine"),
    ],
    "ethan.walsh@demo.roundtable.test": [
        _paper("2017-10-09", "A wearable sensor for ICU mobility: validation study"),
        _paper("2019-05-13", "Continuous mobility monitoring in the ICU: a pilot"),
        _moved("2020-01-06", "Senior research scientist, Medtronic", in_academia=False),
    ],
    "priya@demo.roundtable.test": [
        Entry(CDA, "2018-07-01", "Hospital-acquired disability in older adults",
              "AHRQ K08"),
        _moved("2020-07-01", "Assistant professor of medicine, Johns Hopkins University"),
        _paper("2021-09-14", "Mobility protocols for hospitalized older adults"),
        Entry(PROMOTION, "2025-07-01", "Associate professor of medicine"),
    ],
    "lena@demo.roundtable.test": [
        _paper("2020-06-22", "Drug interactions in ICU sedation regimens"),
        _moved("2020-09-01", "Clinical pharmacologist, Charité - Universitätsmedizin Berlin"),
    ],
    "amara.nwosu@demo.roundtable.test": [
        Entry(CDA, "2019-01-01", "Pharmacogenomics of ICU sedation",
              "American Heart Association Career Development Award"),
        _paper("2020-04-27", "CYP2C19 variants and sedative requirements in the ICU"),
        _moved("2021-08-01", "Assistant professor of pharmacy practice, Vanderbilt University"),
    ],
    "arjun.mehta@demo.roundtable.test": [
        Entry(CDA, "2018-04-01", "Right ventricular failure after cardiac surgery",
              "NIH K08 (NHLBI)"),
        Entry(PROMOTION, "2021-07-01", "Associate professor of anesthesiology"),
        Entry(GRANT, "2022-04-01", "Right ventricular protection in cardiac surgery",
              "NIH R01 (NHLBI)"),
    ],
    "sam@demo.roundtable.test": [
        Entry(CDA, "2019-09-01", "ICU capacity strain and patient outcomes",
              "NIH K99/R00 (NHLBI)"),
        _paper("2021-03-08", "Capacity strain and triage decisions in US ICUs",
               "capacity-strain"),
        _moved("2022-09-01", "Research scientist, University of Washington"),
    ],
    "hyejin.park@demo.roundtable.test": [
        Entry(CDA, "2019-07-01", "Rural access to critical care", "AHRQ K01"),
        _paper("2020-12-07", "Interhospital transfer of critically ill rural patients"),
        Entry(PROMOTION, "2023-07-01", "Associate professor of health management and policy"),
    ],
    "david.cohen@demo.roundtable.test": [
        _paper("2021-05-17", "Stress ulcer prophylaxis de-prescribing at ICU discharge"),
        _moved("2024-01-08", "Critical care pharmacist and assistant professor, Cleveland "
               "Clinic Lerner College of Medicine"),
    ],
    "emily.carter@demo.roundtable.test": [
        Entry(CDA, "2022-07-01", "Early antibiotics for sepsis in the emergency department",
              "NIH K23 (NIGMS)"),
        _paper("2023-01-30", "Time to antibiotics and mortality in ED sepsis"),
        _moved("2024-07-01", "Assistant professor of emergency medicine, UCSF"),
    ],
    "zainab.hussain@demo.roundtable.test": [
        _paper("2022-09-19", "Nurse practitioner-led ICU follow-up calls"),
        Entry(TALK, "2023-10-12", "After the ICU: NP-led follow-up, state NP association"),
    ],
    "taylor.brennan@demo.roundtable.test": [
        _paper("2024-02-05", "Central line days before and after a PA-led line team"),
    ],
    # --- the peer circle (Priya's and Maya's are above) ---------------------------------------
    "camila.reyes@demo.roundtable.test": [
        Entry(GRANT, "2025-07-01", "Opioid prescribing after emergency department visits",
              "Emergency Medicine Foundation"),
    ],
    "hannah.goldberg@demo.roundtable.test": [
        Entry(PROMOTION, "2025-07-01", "Associate professor of obstetrics and gynecology"),
    ],
    "keisha.robinson@demo.roundtable.test": [
        _paper("2025-03-10", "Discharge readiness in pediatric hospital medicine"),
    ],
    "meiling.chen@demo.roundtable.test": [
        Entry(CDA, "2025-07-01", "Regional anesthesia and postoperative delirium",
              "FAER Mentored Research Training Grant"),
    ],
    "fatima.alsayed@demo.roundtable.test": [
        Entry(TALK, "2025-10-22", "Antibiotic stewardship for transplant patients: IDWeek"),
    ],
    "jordan.whitaker@demo.roundtable.test": [
        Entry(LEADERSHIP, "2025-09-01", "Associate program director, psychiatry residency"),
    ],
}
# fmt: on

# When some people last confirmed their academic position (the career check-in).
POSITION_CONFIRMED = {
    "tomasz.nowak@demo.roundtable.test": "2026-06-15",
    ORGANIZER_EMAIL: "2026-10-01",
    "grace@demo.roundtable.test": "2026-05-20",
    "aaliyah.brooks@demo.roundtable.test": "2026-08-11",
    "sarah.mitchell@demo.roundtable.test": "2026-03-12",
    "priya@demo.roundtable.test": "2026-09-02",
    "ethan.walsh@demo.roundtable.test": "2025-12-01",
    "emily.carter@demo.roundtable.test": "2026-07-07",
}


@transaction.atomic
def seed_milestones() -> int:
    """Create the demo milestones; return how many were new. A person who already has any
    milestone is skipped (seeded before, or changed in the app since): never duplicates."""
    people = {u.email: u for u in User.objects.filter(email__in=MILESTONES)}
    already = set(
        Milestone.objects.filter(member__in=people.values()).values_list("member_id", flat=True)
    )
    rows = [
        Milestone(
            member=user,
            kind=entry.kind,
            date=date.fromisoformat(entry.day),
            title=entry.title,
            funder=entry.funder,
            link=entry.link,
            in_academia=entry.in_academia,
        )
        for email, entries in MILESTONES.items()
        if (user := people[email]).pk not in already
        for entry in entries
    ]
    Milestone.objects.bulk_create(rows)
    for email, day in POSITION_CONFIRMED.items():
        at = datetime.combine(date.fromisoformat(day), time(15), tzinfo=UTC)
        User.objects.filter(email=email, position_confirmed_at__isnull=True).update(
            position_confirmed_at=at
        )
    return len(rows)
