"""The demo programs, circles and their rosters, as data for `seed_demo`.

People are (email, full name, preferred name, pronouns, gender, institution, profession,
specialty, career stage, timezone), the same shape as seed_demo's DEMO_PEOPLE. Roster rows
are (email, role, joined on, left on or None, why they left). Dates are ISO days in the
circle's timezone. Every name here is made up.
"""

ORGANIZER_EMAIL = "organizer@demo.roundtable.test"
PROGRAM_ADMIN_EMAIL = "admin@demo.roundtable.test"

NY, DETROIT = "America/New_York", "America/Detroit"
UM = "University of Michigan"
VA = "VA Ann Arbor Healthcare System"

# --- people who are only in the circles (they log in with the demo password too) -------------

# fmt: off
ROSTER_PEOPLE = [
    # Lean In Circle: Early-Career Women in Medicine
    ("camila.reyes@demo.roundtable.test", "Camila Reyes", "", "she/her", "woman",
     "Massachusetts General Hospital", "physician", "Emergency medicine", "early_career", NY),
    ("hannah.goldberg@demo.roundtable.test", "Hannah Goldberg", "", "she/her", "woman",
     "Yale School of Medicine", "physician", "Obstetrics and gynecology", "early_career", NY),
    ("keisha.robinson@demo.roundtable.test", "Keisha Robinson", "", "she/her", "woman",
     "Emory University", "physician", "Pediatric hospital medicine", "early_career", NY),
    ("meiling.chen@demo.roundtable.test", "Mei-Ling Chen", "Mei", "she/her", "woman",
     "University of Pittsburgh", "physician", "Anesthesiology", "early_career", NY),
    ("fatima.alsayed@demo.roundtable.test", "Fatima Al-Sayed", "", "she/her", "woman",
     "Johns Hopkins University", "physician", "Infectious diseases", "early_career", NY),
    ("jordan.whitaker@demo.roundtable.test", "Jordan Whitaker", "", "they/them", "non_binary",
     "Emory University", "physician", "Psychiatry", "early_career", NY),
    ("sofia.petrova@demo.roundtable.test", "Sofia Petrova", "", "she/her", "woman",
     "Yale School of Medicine", "physician", "Cardiology", "trainee", NY),
    ("analucia.torres@demo.roundtable.test", "Ana Lucía Torres", "Ana", "she/her", "woman",
     "University of Pittsburgh", "physician", "General surgery", "early_career", NY),
    # Multidisciplinary Intensive Care Research Workgroup: current members
    ("tomasz.nowak@demo.roundtable.test", "Tomasz Nowak", "Tom", "he/him", "man",
     UM, "physician", "Pulmonary and critical care", "mid_career", DETROIT),
    ("aaliyah.brooks@demo.roundtable.test", "Aaliyah Brooks", "", "she/her", "woman",
     UM, "nurse", "Acute care nursing research", "early_career", DETROIT),
    ("elena.marchetti@demo.roundtable.test", "Elena Marchetti", "", "she/her", "woman",
     "Henry Ford Health", "pharmacist", "Critical care pharmacy", "early_career", DETROIT),
    ("yuki.tanaka@demo.roundtable.test", "Yuki Tanaka", "", "she/her", "woman",
     UM, "physician", "Pediatric critical care", "early_career", DETROIT),
    ("rosa.delgado@demo.roundtable.test", "Rosa Delgado", "", "she/her", "woman",
     VA, "advanced_practice", "Acute care nurse practitioner", "mid_career", DETROIT),
    ("nadia.haddad@demo.roundtable.test", "Nadia Haddad", "", "she/her", "woman",
     UM, "scientist", "Biostatistics", "early_career", DETROIT),
    ("ingrid.larsen@demo.roundtable.test", "Ingrid Larsen", "", "she/her", "woman",
     "Michigan State University", "physician", "Emergency medicine", "early_career", DETROIT),
    ("daniel.osei@demo.roundtable.test", "Daniel Osei", "", "he/him", "man",
     UM, "physician", "Anesthesiology critical care", "early_career", DETROIT),
    ("rajesh.iyer@demo.roundtable.test", "Rajesh Iyer", "Raj", "he/him", "man",
     "Wayne State University", "scientist", "Epidemiology", "early_career", DETROIT),
    ("marcus.bell@demo.roundtable.test", "Marcus Bell", "", "he/him", "man",
     "Henry Ford Health", "advanced_practice", "Critical care physician assistant",
     "early_career", DETROIT),
    ("omar.farouk@demo.roundtable.test", "Omar Farouk", "", "he/him", "man",
     UM, "pharmacist", "Infectious diseases pharmacy", "early_career", DETROIT),
    ("alex.rivera@demo.roundtable.test", "Alex Rivera", "", "they/them", "non_binary",
     UM, "scientist", "Clinical informatics", "trainee", DETROIT),
    ("kwame.mensah@demo.roundtable.test", "Kwame Mensah", "", "", "undisclosed",
     VA, "nurse", "Critical care nursing research", "mid_career", DETROIT),
    # Multidisciplinary Intensive Care Research Workgroup: alumni (institution is today's)
    ("sarah.mitchell@demo.roundtable.test", "Sarah Mitchell", "", "she/her", "woman",
     "University of Pittsburgh", "physician", "Pulmonary and critical care", "mid_career", NY),
    ("lucia.fernandez@demo.roundtable.test", "Lucía Fernández", "", "she/her", "woman",
     UM, "nurse", "Critical care nursing", "mid_career", DETROIT),
    ("amara.nwosu@demo.roundtable.test", "Amara Nwosu", "", "she/her", "woman",
     "Vanderbilt University Medical Center", "pharmacist", "Critical care pharmacy",
     "early_career", "America/Chicago"),
    ("hyejin.park@demo.roundtable.test", "Hye-jin Park", "", "she/her", "woman",
     UM, "scientist", "Health services research", "mid_career", DETROIT),
    ("emily.carter@demo.roundtable.test", "Emily Carter", "", "she/her", "woman",
     "University of California, San Francisco", "physician", "Emergency critical care",
     "early_career", "America/Los_Angeles"),
    ("zainab.hussain@demo.roundtable.test", "Zainab Hussain", "", "she/her", "woman",
     "Henry Ford Health", "advanced_practice", "Acute care nurse practitioner",
     "early_career", DETROIT),
    ("benjamin.hale@demo.roundtable.test", "Benjamin Hale", "Ben", "he/him", "man",
     UM, "physician", "Pulmonary and critical care", "senior", DETROIT),
    ("carlos.mendoza@demo.roundtable.test", "Carlos Mendoza", "", "he/him", "man",
     "Baylor College of Medicine", "physician", "Critical care nephrology", "mid_career",
     "America/Chicago"),
    ("ethan.walsh@demo.roundtable.test", "Ethan Walsh", "", "he/him", "man",
     "Medtronic", "scientist", "Biomedical engineering", "mid_career", "America/Chicago"),
    ("david.cohen@demo.roundtable.test", "David Cohen", "", "he/him", "man",
     "Cleveland Clinic", "pharmacist", "Critical care pharmacy", "mid_career", NY),
    ("arjun.mehta@demo.roundtable.test", "Arjun Mehta", "", "he/him", "man",
     UM, "physician", "Cardiac critical care", "mid_career", DETROIT),
    ("taylor.brennan@demo.roundtable.test", "Taylor Brennan", "", "", "undisclosed",
     UM, "advanced_practice", "Critical care physician assistant", "early_career", DETROIT),
]
# fmt: on

# --- programs ----------------------------------------------------------------------------------

# (slug, name, description); the program admin demo account administers both.
PROGRAMS = [
    (
        "women-in-medicine",
        "Women in Medicine Circles",
        "Peer circles for women physicians in academic medicine, modeled on Lean In Circles: "
        "small groups from several institutions who meet monthly to talk about promotion, "
        "negotiation, parental leave and wellbeing.",
    ),
    (
        "critical-care-research",
        "Critical Care Research",
        "Standing research workgroups where early-career critical care investigators of every "
        "profession give each other feedback on grants, manuscripts and career plans.",
    ),
]

# --- circles -----------------------------------------------------------------------------------

PEER_CIRCLE = {
    "program": "women-in-medicine",
    "slug": "early-career-women-in-medicine",
    "fields": {
        "kind": "peer_circle",
        "name": "Lean In Circle: Early-Career Women in Medicine",
        "description": (
            "Ten early-career women physicians from six academic medical centers. We meet "
            "online once a month to bring one real question each (an offer to negotiate, a "
            "promotion packet, a return from leave) and leave with a next step."
        ),
        "capacity": 12,
        "join_policy": "approval",
        "visibility": "listed",
        "status": "active",
        "timezone": NY,
        "meeting_format": "online",
        "video_link": "https://example.org/meet/early-career-women-in-medicine",
        "place": "",
        "cadence": "Monthly, 2nd Tuesday, 12:00",
    },
    "topics": ["promotion", "negotiation", "parental-leave", "burnout"],
    "founded": "2024-09-10",
    "created_by": ORGANIZER_EMAIL,
    "mission": (
        "We are early-career women physicians from different institutions and specialties "
        "who meet monthly to help each other build the academic careers we want: negotiating "
        "offers and resources, preparing for promotion, planning parental leave and "
        "caregiving, and staying well while doing it. We share what we have learned so that "
        "none of us has to figure it out alone."
    ),
    "guiding_principles": (
        "Confidentiality: what is said in the circle stays in the circle.\n"
        "We listen first and offer advice only when asked.\n"
        "Everyone gets time to speak; no one has to.\n"
        "We celebrate each other's wins, big and small.\n"
        "We respect differences in specialty, background and life choices.\n"
        "We come prepared and on time, or let the circle know."
    ),
    # (email, role, joined on, left on, end reason)
    "roster": [
        (ORGANIZER_EMAIL, "organizer", "2024-09-10", None, ""),
        ("priya@demo.roundtable.test", "member", "2024-09-10", None, ""),
        ("camila.reyes@demo.roundtable.test", "member", "2024-09-10", None, ""),
        ("hannah.goldberg@demo.roundtable.test", "member", "2024-09-10", None, ""),
        ("keisha.robinson@demo.roundtable.test", "member", "2024-09-10", None, ""),
        ("meiling.chen@demo.roundtable.test", "member", "2024-09-10", None, ""),
        ("fatima.alsayed@demo.roundtable.test", "member", "2024-10-08", None, ""),
        ("jordan.whitaker@demo.roundtable.test", "member", "2024-11-12", None, ""),
        ("sofia.petrova@demo.roundtable.test", "member", "2025-01-14", None, ""),
        ("analucia.torres@demo.roundtable.test", "member", "2025-03-11", None, ""),
    ],
    # email: (leave started on, note); the seat is kept.
    "on_leave": {"hannah.goldberg@demo.roundtable.test": ("2026-08-03", "Parental leave")},
    # The meeting series (seed_demo generates a year of it); times are the circle's local.
    "series": {
        "title": "Monthly circle meeting",
        "frequency": "monthly_weekday",
        "weekday": 1,  # Tuesday
        "week_of_month": 2,
        "start_time": "12:00",
        "duration_minutes": 60,
        "meeting_format": "online",
        "agenda": (
            "Check-in: one win and one challenge each (20 min)\n"
            "This month's topic, led by the facilitator (30 min)\n"
            "Next steps and next month's facilitator (10 min)"
        ),
    },
}

# (email, role, joined on, left on, end reason)
# fmt: off
WORKGROUP_ROSTER = [
    # current members
    ("tomasz.nowak@demo.roundtable.test", "organizer", "2015-09-10", None, ""),
    ("grace@demo.roundtable.test", "member", "2016-01-21", None, ""),
    ("kwame.mensah@demo.roundtable.test", "member", "2017-02-09", None, ""),
    (ORGANIZER_EMAIL, "organizer", "2017-09-14", None, ""),
    ("rosa.delgado@demo.roundtable.test", "member", "2018-01-18", None, ""),
    ("elena.marchetti@demo.roundtable.test", "member", "2019-10-03", None, ""),
    ("daniel.osei@demo.roundtable.test", "member", "2020-01-16", None, ""),
    ("aaliyah.brooks@demo.roundtable.test", "member", "2021-02-11", None, ""),
    ("rajesh.iyer@demo.roundtable.test", "member", "2021-09-09", None, ""),
    ("yuki.tanaka@demo.roundtable.test", "member", "2022-09-08", None, ""),
    ("ingrid.larsen@demo.roundtable.test", "member", "2023-01-12", None, ""),
    ("nadia.haddad@demo.roundtable.test", "member", "2023-09-14", None, ""),
    ("marcus.bell@demo.roundtable.test", "member", "2024-01-11", None, ""),
    ("alex.rivera@demo.roundtable.test", "member", "2024-09-12", None, ""),
    ("omar.farouk@demo.roundtable.test", "member", "2025-02-13", None, ""),
    # alumni
    ("carlos.mendoza@demo.roundtable.test", "member", "2015-09-10", "2016-06-30",
     "Finished fellowship; moved to a faculty position at another institution"),
    ("benjamin.hale@demo.roundtable.test", "organizer", "2015-09-10", "2017-08-31",
     "Promoted to associate professor; stepped back to make room for new members"),
    ("lucia.fernandez@demo.roundtable.test", "member", "2015-09-10", "2018-04-30",
     "Moved into a nursing leadership role without protected research time"),
    ("sarah.mitchell@demo.roundtable.test", "member", "2015-09-10", "2019-06-30",
     "Moved to a faculty position at another institution"),
    ("ethan.walsh@demo.roundtable.test", "member", "2016-09-08", "2019-12-31",
     "Left academia for an industry research position"),
    ("priya@demo.roundtable.test", "member", "2016-09-08", "2020-06-30",
     "Moved to a faculty position at another institution"),
    ("lena@demo.roundtable.test", "member", "2019-09-12", "2020-08-31",
     "Visiting research fellowship ended; returned to Berlin"),
    ("amara.nwosu@demo.roundtable.test", "member", "2016-03-10", "2021-07-31",
     "Moved to a faculty position at another institution"),
    ("arjun.mehta@demo.roundtable.test", "member", "2017-01-12", "2022-06-30",
     "Received an R01 and now mentors junior faculty instead"),
    ("sam@demo.roundtable.test", "member", "2018-09-13", "2022-08-31",
     "Took a research scientist position at the University of Washington"),
    ("hyejin.park@demo.roundtable.test", "member", "2017-09-14", "2023-06-30",
     "Promoted to associate professor; graduated from the workgroup"),
    ("david.cohen@demo.roundtable.test", "member", "2019-01-10", "2023-12-31",
     "Moved to a faculty position at another institution"),
    ("emily.carter@demo.roundtable.test", "member", "2020-09-10", "2024-06-30",
     "Moved to a faculty position at another institution"),
    ("zainab.hussain@demo.roundtable.test", "member", "2021-01-14", "2025-03-31",
     "Moved closer to family; now in clinical practice without research time"),
    ("taylor.brennan@demo.roundtable.test", "member", "2022-01-13", "2025-06-30",
     "Clinical schedule no longer allows the meeting time"),
]
# fmt: on

WORKGROUP = {
    "program": "critical-care-research",
    "slug": "micrew",
    "fields": {
        "kind": "workgroup",
        "name": "Multidisciplinary Intensive Care Research Workgroup",
        "description": (
            "MICReW brings together early-career intensive care investigators (physicians, "
            "nurses, pharmacists, advanced practice providers and scientists) every other "
            "week. One or two members present a work in progress: specific aims, a "
            "manuscript, a K-award application, a job talk. The rest read it beforehand and "
            "give structured feedback. Thirty members have come through since 2015."
        ),
        "capacity": None,
        "join_policy": "approval",
        "visibility": "listed",
        "status": "active",
        "timezone": DETROIT,
        "meeting_format": "hybrid",
        "video_link": "https://example.org/meet/micrew",
        "place": "University Hospital, Room 3C",
        "cadence": "Every other Thursday, 16:00",
    },
    "topics": ["grant-writing", "manuscripts", "career-development-awards", "research-methods"],
    "founded": "2015-09-10",
    "created_by": "tomasz.nowak@demo.roundtable.test",
    "mission": (
        "The Multidisciplinary Intensive Care Research Workgroup is a peer community of "
        "early-career investigators in critical care. We believe the best questions about "
        "critically ill patients come from every profession at the bedside, and that young "
        "investigators grow fastest when they learn from each other. We meet to give "
        "honest, constructive feedback on grant applications, manuscripts, presentations "
        "and career plans, so that each member's work is stronger before it reaches a "
        "study section, a journal or a search committee, and so that each of us becomes an "
        "independent, funded investigator."
    ),
    "guiding_principles": (
        "We are peers: there are no senior faculty in the room and no one is evaluated.\n"
        "We are multidisciplinary on purpose: physicians, nurses, pharmacists, advanced "
        "practice providers and scientists each bring questions the others would miss.\n"
        "Works in progress are confidential: drafts, aims and unpublished data shared here "
        "are not discussed, cited or used outside the group without the author's consent.\n"
        "Feedback is specific, constructive and kind: what works first, then what would make "
        "it stronger.\n"
        "Presenters rotate: everyone presents at least once a year, on a schedule set a "
        "term ahead.\n"
        "Presenters send materials three days ahead; everyone reads them before the "
        "meeting.\n"
        "We celebrate submissions, not only awards: a rejected grant is a step, not a "
        "failure.\n"
        "Members who move on become alumni, not strangers: we stay in touch and invite "
        "them back to present."
    ),
    "roster": WORKGROUP_ROSTER,
    "on_leave": {},
    "series": {
        "title": "MICReW works in progress",
        "frequency": "weekly",
        "interval": 2,
        "weekday": 3,  # Thursday
        "start_time": "16:00",
        "duration_minutes": 90,
        "meeting_format": "hybrid",
        "agenda": (
            "Announcements: submissions, awards, deadlines (5 min)\n"
            "Presentations: 35 minutes each, feedback included\n"
            "Presenters for the coming meetings (5 min)"
        ),
    },
}

CIRCLES = [PEER_CIRCLE, WORKGROUP]

# --- meetings ----------------------------------------------------------------------------------
# Text for the year of demo meetings seed_demo generates. Names in logs are the members'
# own (made up); nobody outside the circles is named.

# Why a member was excused (attendance note, and the note on their "no" RSVP).
EXCUSES = [
    "On service in the ICU this week",
    "Clinic ran over",
    "Conference travel",
    "Sick child at home",
    "Covering a colleague's call",
    "Study section the same afternoon",
    "Grant deadline",
]

# One topic a month, in order through the year: the month of the meeting picks it.
PEER_TOPICS = [
    {
        "summary": (
            "Topic: negotiating a first faculty offer. Two members are weighing offers; we "
            "went through what is usually negotiable (protected time, start-up funds, "
            "administrative support, start date) and practiced asking for it out loud. The "
            "circle agreed that asking for everything in one written list works better than "
            "item by item."
        ),
        "decisions": (
            "We keep a shared, anonymized list of what members asked for and received.\n"
            "Anyone with an offer can ask for a 20-minute practice call with two members."
        ),
        "actions": [
            "Share the negotiation checklist in the circle folder",
            "Write the one-page ask and send it to two members for comments",
            "Add anonymized numbers from past offers to the shared list",
        ],
    },
    {
        "summary": (
            "Topic: the promotion dossier. We compared what our institutions ask for and how "
            "to track teaching, service and citations as we go instead of the month before. "
            "Members who went up last year showed how they organized their evidence of "
            "impact."
        ),
        "decisions": "Everyone starts a running dossier document this month.",
        "actions": [
            "Share a dossier template with the circle",
            "Ask the department for last year's promotion criteria in writing",
            "List three people who could write an external letter",
        ],
    },
    {
        "summary": (
            "Topic: planning parental leave. We talked through how leave policies differ for "
            "faculty and trainees, how to plan clinical coverage, and how to pause the "
            "tenure or promotion clock. Members shared what they wish they had asked for "
            "before going on leave."
        ),
        "decisions": "We will write a short leave-planning guide from what members shared.",
        "actions": [
            "Draft the first page of the leave-planning guide",
            "Find out how the promotion clock extension works at your institution",
            "Share the coverage plan template",
        ],
    },
    {
        "summary": (
            "Topic: saying no to service requests. Each member listed her current committees "
            "and asks; we sorted them into what builds a career and what does not, and "
            "practiced kind ways to decline or to trade one role for another."
        ),
        "decisions": "Each of us will decline or hand over one commitment before next month.",
        "actions": [
            "Decline or hand over one low-value committee role",
            "Share the wording that worked for saying no",
            "Ask the chair which service counts toward promotion",
        ],
    },
    {
        "summary": (
            "Topic: sponsors, not only mentors. We discussed the difference between someone "
            "who advises you and someone who puts your name forward, and how to ask a senior "
            "colleague to nominate you for a talk or a committee."
        ),
        "decisions": "Members will name one possible sponsor each and report back.",
        "actions": [
            "Ask a senior colleague for one specific nomination",
            "Share a list of upcoming award deadlines",
            "Update the one-paragraph bio for nominations",
        ],
    },
    {
        "summary": (
            "Topic: burnout and boundaries on clinical weeks. We shared what makes service "
            "weeks sustainable (protected mornings, no meetings after call, help at home) "
            "and what the early warning signs look like for each of us."
        ),
        "decisions": "Check-ins start with one thing each of us did for ourselves.",
        "actions": [
            "Block two protected hours on the next service week",
            "Share the institution's confidential wellbeing resources",
            "Bring one boundary that worked to the next meeting",
        ],
    },
    {
        "summary": (
            "Topic: asking for protected time. Two members are renegotiating their clinical "
            "effort; we worked out how to tie the request to funding, departmental goals and "
            "a timeline, and what to do when the first answer is no."
        ),
        "decisions": "Members who renegotiate will share the outcome with the circle.",
        "actions": [
            "Prepare the effort-change request with a one-year plan",
            "Book the meeting with the division chief",
            "Share the data on clinical effort from the last annual review",
        ],
    },
    {
        "summary": (
            "Topic: the personal statement for promotion. We read two anonymized statements "
            "and discussed how to tell one story across clinical work, teaching and "
            "scholarship rather than listing everything."
        ),
        "decisions": "Drafts are swapped in pairs and returned within two weeks.",
        "actions": [
            "Write a first draft of the personal statement",
            "Swap drafts with your pair and send comments",
            "Collect two teaching evaluations that show impact",
        ],
    },
    {
        "summary": (
            "Topic: coming back from leave. Members who returned this year shared their "
            "re-entry plans: a gradual clinical restart, a list of projects to drop, and a "
            "first meeting with the division chief about expectations."
        ),
        "decisions": "The leave-planning guide gets a section on returning.",
        "actions": [
            "Draft the returning-from-leave section of the guide",
            "Share the lactation space list for each hospital",
            "Schedule a re-entry meeting with the division chief",
        ],
    },
    {
        "summary": (
            "Topic: visibility. We talked about submitting to national meetings, volunteering "
            "for society committees, and nominating each other for awards, and we drafted a "
            "calendar of deadlines for the coming year."
        ),
        "decisions": "Each member nominates one other member for something this year.",
        "actions": [
            "Submit an abstract or a workshop proposal to a national meeting",
            "Nominate another circle member for an award",
            "Add deadlines to the shared calendar",
        ],
    },
    {
        "summary": (
            "Topic: salary equity. We discussed where to find benchmark salary data, how to "
            "bring it to a chair without making it personal, and what members learned from "
            "asking for an equity review."
        ),
        "decisions": "We will not share individual salaries; only ranges and sources.",
        "actions": [
            "Find the benchmark data your department uses",
            "Request the equity review process in writing",
            "Share sources of public salary data",
        ],
    },
    {
        "summary": (
            "Topic: when to say yes to a leadership role. A member was offered a committee "
            "chair; we weighed visibility against time and talked about negotiating support "
            "(administrative help, reduced clinical effort) before accepting."
        ),
        "decisions": "Accepting a role comes with a written list of the support it needs.",
        "actions": [
            "Write the list of support needed before accepting the role",
            "Talk to a past chair of the committee about the real workload",
            "Share the decision with the circle next month",
        ],
    },
]

# What each current workgroup member is working on (the subject of their presentations).
WORKGROUP_PROJECTS = {
    "tomasz.nowak@demo.roundtable.test": "early mobility in mechanically ventilated adults",
    "grace@demo.roundtable.test": "nurse-led delirium screening in the ICU",
    "kwame.mensah@demo.roundtable.test": "family presence during ICU rounds",
    ORGANIZER_EMAIL: "outcomes of a post-ICU recovery clinic",
    "rosa.delgado@demo.roundtable.test": "nurse practitioner overnight ICU coverage",
    "elena.marchetti@demo.roundtable.test": "antibiotic de-escalation in sepsis",
    "daniel.osei@demo.roundtable.test": "intraoperative ventilation and lung complications",
    "aaliyah.brooks@demo.roundtable.test": "noise, light and sleep disruption in the ICU",
    "rajesh.iyer@demo.roundtable.test": "long-term outcomes of sepsis survivors",
    "yuki.tanaka@demo.roundtable.test": "sedation practices in pediatric ICUs",
    "ingrid.larsen@demo.roundtable.test": "emergency department boarding of ICU patients",
    "nadia.haddad@demo.roundtable.test": "target trial emulation for ICU treatment decisions",
    "marcus.bell@demo.roundtable.test": "physician assistant-led rapid response teams",
    "alex.rivera@demo.roundtable.test": "an early-warning score in the health record",
    "omar.farouk@demo.roundtable.test": "AUC-guided vancomycin dosing",
}
WORKGROUP_DEFAULT_PROJECT = "a new critical care research question"

# (agenda item kind, title prefix): titles read "<prefix>: <project>". In the order a
# project goes through them; each member starts somewhere along it and moves on a step each
# time they present.
WORKGROUP_STAGES = [
    ("wip", "Study protocol"),
    ("wip", "Preliminary data"),
    ("grant", "Specific aims"),
    ("grant", "K23 specific aims"),
    ("grant", "K23 research strategy"),
    ("manuscript", "Manuscript draft"),
    ("manuscript", "Response to reviewers"),
    ("grant", "Foundation grant application"),
    ("grant", "R01 resubmission introduction"),
    ("wip", "Job talk rehearsal"),
]

# Feedback the group gave, by kind of presentation.
WORKGROUP_FEEDBACK = {
    "grant": [
        "the gap is clear but the hypothesis comes too late; lead with it",
        "aim 2 depends on aim 1 succeeding; make it stand on its own",
        "the career development plan needs named mentors for the statistics",
        "the preliminary data figure carries the page; make it larger",
        "the sample size justification needs the expected effect size",
        "cut the background by a third and spend it on the approach",
    ],
    "manuscript": [
        "the abstract buries the main finding; put the effect size first",
        "the sensitivity analyses belong in the main text",
        "the discussion claims more than the design allows; soften causal language",
        "a flow diagram would answer most of the methods questions",
        "the limitations paragraph should address missing data directly",
    ],
    "wip": [
        "the outcome definition needs to be fixed before data collection starts",
        "a pilot with ten patients would answer the feasibility question",
        "talk to the pharmacy and nursing leads before choosing sites",
        "the recruitment target looks optimistic; plan for slower enrollment",
        "the story is strong; the slides have too much text",
    ],
}

# Follow-ups for a presenter, by kind ({project} is theirs).
WORKGROUP_FOLLOW_UPS = {
    "grant": [
        "Revise the aims page on {project} and recirculate",
        "Ask the biostatistics core about the power calculation",
        "Send the revised draft to the primary mentor",
    ],
    "manuscript": [
        "Send the revised manuscript on {project} to co-authors",
        "Add the flow diagram and sensitivity analyses",
        "Pick a target journal and check its word limit",
    ],
    "wip": [
        "Update the protocol on {project} with the group's comments",
        "Set up a meeting with the unit's nursing and pharmacy leads",
        "Share the revised slides before the next meeting",
    ],
}

# Follow-ups for someone else in the room ({name} is the presenter's).
WORKGROUP_HELPER_FOLLOW_UPS = [
    "Send written comments to {name}",
    "Share a funded aims page with {name} as an example",
    "Introduce {name} to a potential co-investigator",
]

WORKGROUP_DECISIONS = [
    "Presenters for the next two meetings confirmed.",
    "Materials go out by Monday for Thursday meetings.",
    "Mock study section for the K-award submitters before the next deadline.",
    "Alumni will be invited to the next job talk rehearsal.",
    "Written comments are sent within a week of the meeting.",
    "One meeting next term will be a writing session instead of presentations.",
]
