"""A realistic Hackney demo: residents aged 50+, project ideas, a round in voting and one with results.

Demo accounts (demo data only, never in production):
  staff@example.org / pb-demo-password     (administrator)
  resident@example.org / pb-demo-password  (eligible, matched the demo's resident list, has not voted
                                            in the voting round)
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from faker import Faker
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import CountResult, EligibilityStatus, Proposal, ProposalStatus, Role, Round, User
from pb.services.ballots import cast_ballot
from pb.services.counting import count_round
from pb.services.passwords import hash_password
from pb.services.rounds import move_phase
from pb.services.resident_lists import upload_list
from pb.services.transaction import transaction
from pb.services.verification import network_key
from pb.services.letter_requests import request_letter

DEMO_PASSWORD = "pb-demo-password"  # nosec B105 - published demo login; the demo is refused in production
STAFF_EMAIL = "staff@example.org"
RESIDENT_EMAIL = "resident@example.org"

HACKNEY_DISTRICTS = ["E1", "E2", "E5", "E8", "E9", "E10", "EC1", "EC2", "N1", "N4", "N5", "N16"]
# Districts shared with neighbouring boroughs: registrations there are reviewed by staff.
SHARED_DISTRICTS = ["E1", "E10", "EC1", "EC2", "N1", "N4"]

# (title, summary, category, organisation, cost in pounds)
PROJECT_IDEAS = [
    ("Friday lunch club in Clapton", "A hot two-course lunch and company every Friday for 40 older neighbours.", "Social activities", "Clapton Park Tenants' Association", 4800),
    ("Hearing loss peer support group", "Monthly meetings where people with hearing loss share tips and try equipment.", "Health and wellbeing", "Hackney Hearing Circle", 2600),
    ("Older LGBT art group", "Weekly painting and collage sessions for older LGBT residents, with a show at the end.", "Arts and culture", "Queer Brushes Hackney", 3900),
    ("Chair-based exercise at the library", "Gentle seated exercise twice a week at Stoke Newington Library.", "Health and wellbeing", "Move It Hackney", 2200),
    ("Tablet and smartphone help sessions", "Drop-in help to use tablets, video calls and online shopping safely.", "Learning", "Digital Buddies N16", 3100),
    ("Community minibus trips to the seaside", "Four accessible day trips to the coast for people who rarely get out.", "Getting out and about", "Hackney Community Transport", 6500),
    ("Caribbean elders' dominoes and chat", "A weekly dominoes club with tea, in Dalston.", "Social activities", "Dalston Elders Club", 1500),
    ("Walking football for over 50s", "Coached walking football on Hackney Marshes, all abilities welcome.", "Health and wellbeing", "Marshes Walking Football", 2400),
    ("Turkish-speaking carers' café", "A café afternoon for Turkish-speaking carers to rest and get advice.", "Health and wellbeing", "Day-Mer Carers Group", 3300),
    ("Intergenerational gardening on the estate", "Older residents and local pupils grow vegetables together.", "Social activities", "Kingsmead Growers", 2900),
    ("Memory café for people with dementia", "A monthly café for people living with dementia and their families.", "Health and wellbeing", "Hackney Memory Café", 3600),
    ("Oral history of Ridley Road market", "Recording older traders' memories for a booklet and radio show.", "Arts and culture", "Ridley Road Stories", 4200),
    ("Tai chi in London Fields", "Free outdoor tai chi sessions from spring to autumn.", "Health and wellbeing", "Fields Tai Chi", 1800),
    ("Knit and natter group", "A weekly knitting circle that makes blankets for the local hospice.", "Social activities", "Homerton Knitters", 900),
    ("Bus pass outings to museums", "Guided monthly trips by bus to London's free museums.", "Getting out and about", "Out and About Hackney", 2100),
    ("Singing for lung health", "A choir for people with breathing difficulties, led by a trained leader.", "Health and wellbeing", "Breathe Easy Hackney", 2700),
    ("Men's shed in Hackney Wick", "A workshop where older men fix things, learn skills and make friends.", "Learning", "Wick Men's Shed", 5900),
    ("Bengali women's sewing circle", "A sewing and embroidery circle for older Bengali women in Shoreditch.", "Arts and culture", "Shoreditch Sewing Circle", 2300),
    ("Pension credit advice sessions", "Help to check and claim benefits, in English, Turkish and Bengali.", "Learning", "Hackney Advice Network", 3500),
    ("Cinema club with subtitles", "Monthly afternoon films with subtitles and a loop system.", "Arts and culture", "Rio Seniors Cinema Club", 1600),
    ("Swimming lessons for nervous adults", "Small-group lessons at the Lido for older adults who never learned.", "Health and wellbeing", "London Fields Lido Friends", 3000),
    ("Befriending phone calls", "Volunteers call isolated older residents every week for a chat.", "Social activities", "Hackney Befrienders", 2500),
]


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count()).select_from(Round)) or 0) == 0


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


def _postcode(rng: random.Random, district: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _demo_verification(rng: random.Random, when: datetime) -> dict:
    """Most demo residents were checked in person by staff; the rest are self-declared until the
    demo's resident list matches many of them."""
    if rng.random() < 0.7:
        return dict(verification="staff", verified_at=when,
                    verification_note="Saw proof of name and address in person: at a Connect Hackney drop-in")
    return dict(verification="self-declared")


SUSPICIOUS_POSTCODE = "E8 2QQ"


def _letters_waiting(rng: random.Random, fake: Faker, residents: list[User]) -> None:
    """A few self-declared residents asked for a verification letter: staff see them waiting to print."""
    for user in residents:
        request_letter(user, f"{rng.randint(1, 180)} {fake.street_name()}")


def _suspicious_cluster(rng: random.Random, now: datetime, password_hash: str) -> None:
    """Eight self-declared registrations at one postcode within forty minutes yesterday, from one
    network: what invented residents look like on the suspicious registrations page."""
    fake = Faker("en_GB")
    fake.seed_instance(rng.randint(0, 10**6))
    start = now - timedelta(days=1, hours=3)
    key = network_key("198.51.100.23")
    for n in range(8):
        name = fake.name()
        db.session.add(User(
            role=Role.RESIDENT, name=name, name_key=_name_key(name), email=f"cluster{n}@example.net",
            password_hash=password_hash, date_of_birth=date(1950 + n, 1 + n, 10 + n), postcode=SUSPICIOUS_POSTCODE,
            eligibility_status=EligibilityStatus.ELIGIBLE, eligibility_reason="Aged 50 or over and living in Hackney.",
            created_at=start + timedelta(minutes=5 * n), network_key=key,
        ))


def _list_members(rng: random.Random, people: list[User], leave_out: list[User]) -> list[User]:
    """Who is on the demo's resident list: many of the self-declared residents, and some staff have met."""
    unchecked = [p for p in people if not p.is_verified and p not in leave_out]
    checked = [p for p in people if p.is_verified]
    return rng.sample(unchecked, k=min(len(unchecked), 25)) + rng.sample(checked, k=min(len(checked), 10))


def _members_csv(resident: User, members: list[User]) -> bytes:
    """The demo's resident list, as an administrator would upload it: a CSV with a header row."""
    lines = ["Name,Date of birth,Postcode"]
    for person in [resident, *members]:
        lines.append(f'"{person.name}",{person.date_of_birth:%d/%m/%Y},{person.postcode}')
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_demo(seed: int = 2026, residents: int = 300) -> str:
    """Create the demo data and return a short summary for the console."""
    fake = Faker("en_GB")
    Faker.seed(seed)
    rng = random.Random(seed)  # nosec B311 - repeatable demo data, not a secret
    today = date.today()
    now = datetime.now(timezone.utc)
    # Last year's round ran on fixed dates of last year, opened, closed and was published then;
    # this year's is open for voting now; the small grants are named for the year they are voted in.
    last_year, this_year = today.year - 1, today.year

    def last(month: int, day: int, hour: int = 0) -> datetime:
        return datetime(last_year, month, day, hour, tzinfo=timezone.utc)
    password_hash = hash_password(DEMO_PASSWORD)

    # Everything but the ballots in one transaction; ballots, phase moves and the count go through the services.
    with transaction():
        staff = User(role=Role.ADMIN, name="Sam Okafor", name_key="sam okafor", email=STAFF_EMAIL,
                     password_hash=password_hash, eligibility_status=EligibilityStatus.REFUSED,
                     eligibility_reason="Staff accounts do not vote.")
        # Self-declared until the demo's resident list (below) matches her.
        resident = User(role=Role.RESIDENT, name="Rita Hughes", name_key="rita hughes", email=RESIDENT_EMAIL,
                        password_hash=password_hash, date_of_birth=date(1949, 3, 27), postcode="E8 3PN",
                        eligibility_status=EligibilityStatus.ELIGIBLE,
                        eligibility_reason="Aged 50 or over and living in Hackney.",
                        created_at=now - timedelta(days=30))
        db.session.add_all([staff, resident])

        people: list[User] = []
        seen: set[tuple[str, date, str]] = set()
        while len(people) < residents:
            name = fake.name()
            dob = fake.date_of_birth(minimum_age=53, maximum_age=94)  # 50 or over in last year's round too
            postcode = _postcode(rng, rng.choice(HACKNEY_DISTRICTS))
            key = (_name_key(name), dob, postcode)
            if key in seen:
                continue
            seen.add(key)
            has_email = rng.random() < 0.6
            people.append(User(
                role=Role.RESIDENT, name=name, name_key=key[0], date_of_birth=dob, postcode=postcode,
                email=f"{key[0].replace(' ', '.')}.{len(people)}@example.net" if has_email else None,
                password_hash=password_hash if has_email else None,
                eligibility_status=EligibilityStatus.ELIGIBLE,
                eligibility_reason="Aged 50 or over and living in Hackney.",
                # Registered over the past year or so, as a real roll builds up.
                created_at=now - timedelta(days=rng.randint(9, 420), minutes=rng.randint(0, 1439)),
                **_demo_verification(rng, now - timedelta(days=rng.randint(1, 8))),
            ))
        db.session.add_all(people)
        db.session.flush()
        with_letters = [p for p in people if not p.is_verified][:4]
        _letters_waiting(rng, fake, with_letters)
        _suspicious_cluster(rng, now, password_hash)

        def make_round(**kw) -> Round:
            values = dict(
                area_name="Hackney", min_age=50, accepted_postcodes="\n".join(d for d in HACKNEY_DISTRICTS if d not in SHARED_DISTRICTS),
                review_postcodes="\n".join(SHARED_DISTRICTS), min_ranks=1, max_ranks=3, counting_rule="greedy",
                completion="add1u", min_project_cost_pence=50_000, max_project_cost_pence=800_000,
                created_by_id=staff.id,
            )
            values.update(kw)
            r = Round(**values)
            db.session.add(r)
            db.session.flush()
            return r

        def add_proposals(round_: Round, ideas, statuses) -> list[Proposal]:
            made = []
            for (title, summary, category, org, pounds), status in zip(ideas, statuses):
                proposer = rng.choice(people)
                notes = DEMO_STATUS_NOTES.get(status, {})
                proposal = Proposal(
                    round_id=round_.id, title=title, summary=summary,
                    description=(f"{summary}\n\n{org} has run activities in Hackney for {rng.randint(2, 15)} years. "
                                 "The money pays for the room, a session leader, refreshments and travel help.\n\n"
                                 "Contact us through the Connect Hackney team if you would like to join in."),
                    cost_pence=pounds * 100, category=category, organisation=org, contact=fake.phone_number(),
                    proposer_id=proposer.id, status=status, **notes,
                )
                db.session.add(proposal)
                made.append(proposal)
            db.session.flush()
            return made

        # 1. A round with its results published (last year's fund).
        published = make_round(
            title=f"Connect Hackney Community Fund {last_year}",
            description=("Last year residents aged 50 and over shared £30,000 of National Lottery money between "
                         "the projects they liked best.\n\nEach voter chose up to 3 projects: 3 points for a 1st "
                         "choice, 2 for a 2nd and 1 for a 3rd."),
            budget_pence=3_000_000, phase=Phase.VOTING_OPEN, age_reference_date=date(last_year, 3, 17),
            verified_only=False,  # before the fund checked addresses: the results say how many were self-declared
            proposals_open_on=date(last_year, 1, 13), proposals_close_on=date(last_year, 2, 14),
            voting_open_on=date(last_year, 3, 17), voting_close_on=date(last_year, 4, 6),
            results_on=date(last_year, 4, 24),
            proposals_opened_at=last(1, 13, 9), proposals_closed_at=last(2, 14, 17),
            voting_opened_at=last(3, 17, 9),
        )
        last_years = add_proposals(published, PROJECT_IDEAS[:14], [ProposalStatus.SHORTLISTED] * 12 + [ProposalStatus.REFUSED] * 2)
        for n, proposal in enumerate(last_years):
            proposal.created_at = last(1, 14, 11) + timedelta(days=2 * n)  # sent in while that round took ideas

        # 2. The round residents can vote in now.
        voting = make_round(
            title=f"Connect Hackney Community Fund {this_year}",
            description=("Connect Hackney has £50,000 of National Lottery money for projects that help people aged 50 "
                         "and over in Hackney stay connected and well.\n\nChoose up to 3 projects you would most like "
                         "to see funded. Your 1st choice gets 3 points, your 2nd 2 points and your 3rd 1 point."),
            budget_pence=5_000_000, phase=Phase.VOTING_OPEN, age_reference_date=today,
            proposals_open_on=today - timedelta(days=60), proposals_close_on=today - timedelta(days=30),
            voting_open_on=today - timedelta(days=7), voting_close_on=today + timedelta(days=14),
            results_on=today + timedelta(days=21),
            proposals_opened_at=now - timedelta(days=60), proposals_closed_at=now - timedelta(days=30),
            voting_opened_at=now - timedelta(days=7),
        )
        this_years = add_proposals(voting, PROJECT_IDEAS, [ProposalStatus.SHORTLISTED] * 20 + [ProposalStatus.REFUSED] * 2)

        # 3. A round whose ideas are being reviewed: one proposal in every status.
        review = make_round(
            title=f"Stoke Newington Small Grants {(today + timedelta(days=30)).year}",
            description="Small grants of up to £2,000 for groups of older residents in Stoke Newington and Clapton.",
            area_name="Stoke Newington and Clapton",
            budget_pence=1_000_000, phase=Phase.PROPOSALS_CLOSED, age_reference_date=today + timedelta(days=120),
            accepted_postcodes="N16\nE5", review_postcodes="N4", min_project_cost_pence=20_000,
            max_project_cost_pence=200_000,
            proposals_open_on=today - timedelta(days=40), proposals_close_on=today - timedelta(days=2),
            voting_open_on=today + timedelta(days=30), voting_close_on=today + timedelta(days=60),
            results_on=today + timedelta(days=70),
            proposals_opened_at=now - timedelta(days=40), proposals_closed_at=now - timedelta(days=2),
        )
        small_ideas = [(t, s, c, o, min(p, 2000)) for (t, s, c, o, p) in PROJECT_IDEAS[12:22]]
        add_proposals(review, small_ideas, [
            ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.SHORTLISTED,
            ProposalStatus.SHORTLISTED, ProposalStatus.REFUSED, ProposalStatus.WITHDRAWN, ProposalStatus.SUBMITTED,
            ProposalStatus.CHANGES_REQUESTED, ProposalStatus.SHORTLISTED,
        ])

    # Ballots go through the same service as real votes: one voter-roll row and one ballot each.
    def vote(round_: Round, projects: list[Proposal], voters: list[User]) -> int:
        popularity = {p.id: rng.random() ** 2 + 0.05 for p in projects}
        cast = 0
        for voter in voters:
            ids = list(popularity)
            ranking: list[int] = []
            for _ in range(rng.choice([1, 2, 3, 3, 3])):
                weights = [popularity[i] for i in ids]
                choice = rng.choices(ids, weights=weights)[0]
                ids.remove(choice)
                ranking.append(choice)
            paper = rng.random() < 0.25 or (round_.verified_only and not voter.is_verified)
            cast_ballot(round_, voter, ranking, channel="paper" if paper else "online",
                        entered_by=staff if paper else None)
            cast += 1
        return cast

    shortlisted_last = [p for p in last_years if p.status == ProposalStatus.SHORTLISTED]
    last_year_voters = rng.sample(people, k=min(len(people), max(1, int(len(people) * 0.6))))
    vote(published, shortlisted_last, last_year_voters)
    move_phase(published.id, staff, Phase.VOTING_CLOSED, Phase.VOTING_OPEN)
    count = count_round(published, staff)
    move_phase(published.id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
    # The services stamp each step with the time the demo was loaded; last year's round took them last year
    # (the audit log, which is never changed, still says when the demo did them).
    with transaction():
        published = db.session.get(Round, published.id)
        published.voting_closed_at, published.results_published_at = last(4, 6, 20), last(4, 24, 10)
        db.session.get(CountResult, count.id).created_at = last(4, 14, 11)

    demo_list = upload_list(staff, "Connect Hackney members (demo)", "Connect Hackney's membership list, demo data",
                            _members_csv(resident, _list_members(rng, people, with_letters)))

    shortlisted_now = [p for p in this_years if p.status == ProposalStatus.SHORTLISTED]
    this_year_voters = rng.sample(people, k=min(len(people), max(1, int(len(people) * 0.4))))
    cast_now = vote(voting, shortlisted_now, this_year_voters)

    return (
        f"Demo loaded: {residents + 1} residents; '{voting.title}' in voting with {len(shortlisted_now)} shortlisted "
        f"projects and {cast_now} ballots so far; '{published.title}' with published results; "
        f"'{review.title}' with ideas in review; a resident list of {demo_list.rows} people, "
        f"letters waiting to be printed and one suspicious cluster for staff to review.\n"
        f"Staff sign-in: {STAFF_EMAIL} / {DEMO_PASSWORD}\n"
        f"Resident sign-in: {RESIDENT_EMAIL} / {DEMO_PASSWORD}"
    )


DEMO_STATUS_NOTES = {
    ProposalStatus.REFUSED: {"refusal_reason": "This is already paid for by the council's adult social care budget."},
    ProposalStatus.CHANGES_REQUESTED: {"staff_note": "Please tell us where the sessions would take place and how many people could come."},
}
