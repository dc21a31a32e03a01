import pytest

from pb.domain.count_words import funding_reason, rule_summary, step_lines
from pb.tally import Election, Project, RankPoints, count

TITLES = {"3": "Bench", "7": "Garden", "9": "Mural"}


def greedy_step(decision="funded", reason=None, *, phase="greedy", project="3", score=12, cost=250_000, **extra):
    # The shape pb.tally.greedy.greedy_pass records.
    return {"phase": phase, "project": project, "score": score, "cost": cost,
            "money_left": extra.pop("money_left", 750_000), "decision": decision, "reason": reason, **extra}


def mes_funded(*, project="3", score=12, cost=250_000, supporters=5, price=2083.33, money_left=750_000, rnd=1):
    # The shape pb.tally.equal_shares records for a project equal shares funded.
    return {"phase": "mes", "round": rnd, "project": project, "score": score, "cost": cost,
            "rho": "1/120", "rho_float": 1 / 120, "price_per_point_float": price, "paid": cost,
            "supporters": supporters, "paid_everything": 0, "money_left": money_left,
            "decision": "funded", "reason": None}


def mes_cannot_afford(*, project="9", score=4, cost=300_000, supporters=2, held=1234):
    return {"phase": "mes", "project": project, "score": score, "cost": cost, "decision": "skipped",
            "reason": "supporters_cannot_afford", "supporters": supporters, "supporters_money_left": held}


def mes_no_support(*, project="7", cost=100_000):
    return {"phase": "mes", "project": project, "score": 0, "cost": cost, "decision": "skipped",
            "reason": "no_support", "supporters": 0}


# ---- funding_reason -------------------------------------------------------------------------------


def test_greedy_funded_with_the_highest_score():
    assert funding_reason([greedy_step()], "greedy", {"threshold": 0}, 1) == (
        "Funded: it had the highest score, and its cost of £2,500 fitted in the money left.")


def test_greedy_funded_with_the_3rd_highest_score():
    assert funding_reason([greedy_step(cost=250_050)], "greedy", {}, 3) == (
        "Funded: it had the 3rd highest score, and its cost of £2,500.50 fitted in the money left.")


def test_mes_funded():
    steps = [mes_funded(supporters=1234, cost=250_050)]
    assert funding_reason(steps, "equal-shares", {"completion": "add1u"}, 2) == (
        "Funded with equal shares: its 1,234 supporters could pay its £2,500.50 from their shares.")


def test_fill_funded():
    steps = [mes_cannot_afford(cost=250_000), greedy_step(phase="fill", project="9", cost=250_000)]
    assert funding_reason(steps, "equal-shares", {"completion": "add1u"}, 4) == (
        "Funded from the money left over after equal shares: it had the highest score of the "
        "projects that still fitted (£2,500).")


def test_no_support():
    assert funding_reason([greedy_step("skipped", "no_support", score=0)], "greedy", {}, 5) == (
        "No votes: nobody chose this project.")
    assert funding_reason([mes_no_support()], "equal-shares", {"completion": "none"}, 5) == (
        "No votes: nobody chose this project.")


def test_below_threshold():
    steps = [greedy_step("skipped", "below_threshold", score=12)]
    assert funding_reason(steps, "greedy", {"threshold": 1500}, 2) == (
        "Below the minimum score of 1,500: it had 12 points.")
    steps = [greedy_step("skipped", "below_threshold", score=1)]
    assert funding_reason(steps, "greedy", {"threshold": 2}, 2) == "Below the minimum score of 2: it had 1 point."


def test_stopped_no_skip():
    assert funding_reason([greedy_step("skipped", "stopped_no_skip")], "greedy", {"no_skip": True}, 3) == (
        "Not considered: the count stopped at the first project that did not fit the money left.")


def test_supporters_cannot_afford_with_little_money_left():
    assert funding_reason([mes_cannot_afford(held=99)], "equal-shares", {"completion": "none"}, 2) == (
        "Its supporters could not pay for it with their equal shares: they had spent them on other "
        "funded projects (it needed £3,000).")


def test_supporters_cannot_afford_with_some_money_left():
    assert funding_reason([mes_cannot_afford(held=123_456)], "equal-shares", {"completion": "add1"}, 2) == (
        "Its supporters could not pay for it with their equal shares: it needed £3,000 "
        "and they had about £1,234.56 left.")
    assert funding_reason([mes_cannot_afford(held=100)], "equal-shares", {"completion": "add1"}, 2) == (
        "Its supporters could not pay for it with their equal shares: it needed £3,000 "
        "and they had about £1 left.")


def test_not_enough_money():
    steps = [greedy_step("skipped", "not_enough_money", money_left_before=100_000, money_left=100_000)]
    assert funding_reason(steps, "greedy", {}, 2) == (
        "Not enough money left after higher-scoring projects: needed £2,500, £1,000 left.")


def test_not_enough_money_with_a_fraction_of_money_left():
    steps = [greedy_step("skipped", "not_enough_money", cost=250_000, money_left_before="300001/3")]
    assert funding_reason(steps, "greedy", {}, 2) == (
        "Not enough money left after higher-scoring projects: needed £2,500, £1,000 left.")
    steps = [greedy_step("skipped", "not_enough_money", cost=250_000, money_left_before="200003/2")]
    assert funding_reason(steps, "greedy", {}, 2) == (
        "Not enough money left after higher-scoring projects: needed £2,500, £1,000.02 left.")


def test_not_enough_money_falls_back_to_money_left():
    step = greedy_step("skipped", "not_enough_money", money_left=45_050)
    assert "money_left_before" not in step
    assert funding_reason([step], "greedy", {}, 2) == (
        "Not enough money left after higher-scoring projects: needed £2,500, £450.50 left.")


def test_not_enough_money_after_equal_shares():
    steps = [mes_cannot_afford(cost=250_000),
             greedy_step("skipped", "not_enough_money", phase="fill", project="9", money_left_before=100_000)]
    assert funding_reason(steps, "equal-shares", {"completion": "add1u"}, 3) == (
        "Its supporters could not pay for it with their equal shares, and the money left over "
        "afterwards was not enough: needed £2,500, £1,000 left.")


def test_unknown_reason():
    assert funding_reason([greedy_step("skipped", "something_new")], "greedy", {}, 1) == "Not funded."
    assert funding_reason([{"phase": "mes", "decision": "skipped"}], "equal-shares", {}, 1) == "Not funded."


# ---- rule_summary ---------------------------------------------------------------------------------

GREEDY = ("Projects were taken in order of their score, highest first. Each project was funded if there "
          "was enough money left for it; a project that cost more than the money left was skipped, and "
          "the count went on to the next one.")
MES = ("Method of Equal Shares: the budget was split equally between everyone who voted. Each project was "
       "paid for by the people who chose it, from their shares, and the project that its supporters could "
       "buy most cheaply for the points they gave it was funded first.")
ADD1 = (" So that little money was left unspent, every share was then raised £1 at a time, and the count "
        "run again, for as long as the result still fitted in the budget.")
FILL = " Any money still left was then given to the remaining projects in order of score."


def test_greedy_summary_without_threshold():
    assert rule_summary("greedy", {}) == GREEDY
    assert rule_summary("greedy", {"threshold": 0, "no_skip": False}) == GREEDY


def test_greedy_summary_with_threshold():
    assert rule_summary("greedy", {"threshold": 1500}) == (
        GREEDY + " Projects with fewer than 1,500 points could not be funded.")


@pytest.mark.parametrize("params, text", [
    ({"completion": "none", "unit": 100}, MES),
    ({}, MES),
    ({"completion": "add1", "unit": 100}, MES + ADD1),
    ({"completion": "add1u", "unit": 100}, MES + ADD1 + FILL),
])
def test_equal_shares_summary(params, text):
    assert rule_summary("equal-shares", params) == text


# ---- step_lines -----------------------------------------------------------------------------------


def add1_step(increments, start="50000/3", used="50600/3"):
    # The shape pb.tally.equal_shares records for the add1 completion.
    return {"phase": "add1", "per_voter_budget": used, "per_voter_budget_float": 0.0,
            "start_per_voter_budget": start, "unit": 100, "increments": increments,
            "stopped": "exhausted", "next_cost": None}


def test_add1_with_increments():
    assert step_lines([add1_step(6)], TITLES) == [
        "Each voter's equal share started at £166.67. It was raised by £1 6 times, to £168.67, "
        "and that result is the one used."]
    assert step_lines([add1_step(1, used="50300/3")], TITLES) == [
        "Each voter's equal share started at £166.67. It was raised by £1 1 time, to £167.67, "
        "and that result is the one used."]
    assert step_lines([add1_step(1200, start="5000/1", used="125000/1")], TITLES) == [
        "Each voter's equal share started at £50. It was raised by £1 1,200 times, to £1,250, "
        "and that result is the one used."]


def test_add1_without_increments():
    assert step_lines([add1_step(0, used="50000/3")], TITLES) == [
        "Each voter's equal share was £166.67; raising it would have gone over the budget, so it was not raised."]


def test_mes_steps():
    steps = [
        mes_funded(project="3", score=12, cost=250_000, supporters=5, price=2083.33, money_left=750_000),
        mes_funded(project="7", score=1, cost=10_000, supporters=3, price=0.5, money_left=740_000, rnd=2),
        mes_no_support(project="9", cost=100_000),
        mes_cannot_afford(project="42", score=4, cost=300_000, supporters=2, held=1234),
    ]
    assert step_lines(steps, TITLES) == [
        "Equal shares, round 1: Bench (£2,500, 12 points) funded. Its 5 supporters paid £20.83 for each point "
        "they gave it. £7,500 left.",
        "Equal shares, round 2: Garden (£100, 1 point) funded. Its 3 supporters paid less than 1p for each point "
        "they gave it. £7,400 left.",
        "Equal shares: Mural (£1,000) not funded: nobody chose it.",
        "Equal shares: Project 42 (£3,000, 4 points) not funded: its 2 supporters had only about £12.34 left "
        "between them.",
    ]


@pytest.mark.parametrize("phase, prefix", [("greedy", ""), ("fill", "Money left over: ")])
def test_greedy_and_fill_steps(phase, prefix):
    steps = [
        greedy_step(phase=phase, project="3", score=1200, cost=250_000, money_left=750_000),
        greedy_step("skipped", "not_enough_money", phase=phase, project="7", score=8, cost=900_000,
                    money_left_before=750_000, money_left=750_000),
        greedy_step("skipped", "not_enough_money", phase=phase, project="7", score=8, cost=900_000,
                    money_left="1500001/2"),
        greedy_step("skipped", "below_threshold", phase=phase, project="9", score=2, cost=50_000),
        greedy_step("skipped", "no_support", phase=phase, project=11, score=0, cost=50_000),
        greedy_step("skipped", "stopped_no_skip", phase=phase, project="3", score=1, cost=50_000),
        greedy_step("skipped", "something_new", phase=phase, project="3", score=1, cost=50_000),
    ]
    assert step_lines(steps, TITLES) == [
        f"{prefix}Bench (£2,500, 1,200 points) funded. £7,500 left.",
        f"{prefix}Garden (£9,000, 8 points) not funded: it needed £9,000 but only £7,500 was left.",
        f"{prefix}Garden (£9,000, 8 points) not funded: it needed £9,000 but only £7,500 was left.",
        f"{prefix}Mural (£500, 2 points) not funded: below the minimum score.",
        f"{prefix}Project 11 (£500) not funded: nobody chose it.",
        f"{prefix}Bench (£500, 1 point) not funded: the count had stopped.",
        f"{prefix}Bench (£500, 1 point) not funded.",
    ]


def test_titles_are_looked_up_by_the_id_as_text():
    assert step_lines([greedy_step(project=3)], TITLES) == ["Bench (£2,500, 12 points) funded. £7,500 left."]


# ---- on the steps pb.tally really records ---------------------------------------------------------


def election():
    # Scores with 2,1 points: project 1 gets 4, project 2 gets 3, project 3 gets 1, project 4 none.
    return Election(
        projects=[Project("1", 60_00), Project("2", 50_00), Project("3", 30_00), Project("4", 10_00)],
        budget=100_00, ballots=[["1", "2"], ["1", "3"], ["2"]], max_length=2)


TALLY_TITLES = {"1": "Bench", "2": "Garden", "3": "Mural", "4": "Library"}


def test_words_for_a_real_greedy_count():
    outcome = count(election(), "greedy", satisfaction=RankPoints.descending(2), tie_break="cost-score-id")
    assert step_lines(outcome.steps, TALLY_TITLES) == [
        "Bench (£60, 4 points) funded. £40 left.",
        "Garden (£50, 3 points) not funded: it needed £50 but only £40 was left.",
        "Mural (£30, 1 point) funded. £10 left.",
        "Library (£10) not funded: nobody chose it.",
    ]
    by_project = {s["project"]: [s] for s in outcome.steps}
    assert funding_reason(by_project["3"], "greedy", outcome.params, 2) == (
        "Funded: it had the 2nd highest score, and its cost of £30 fitted in the money left.")
    assert funding_reason(by_project["2"], "greedy", outcome.params, 0) == (
        "Not enough money left after higher-scoring projects: needed £50, £40 left.")


def test_words_for_a_real_equal_shares_count():
    outcome = count(election(), "equal-shares", satisfaction=RankPoints.descending(2), tie_break="cost-score-id",
                    completion="add1u", unit=100)
    lines = step_lines(outcome.steps, TALLY_TITLES)
    # 3 voters share £100: £33.33 each. Bench is bought first (£15 a point, so £30 from each of its 2
    # supporters); Garden becomes affordable from a share of £40, when the outcome would cost £110, so the
    # share stops at £39.33 after 6 raises.
    assert lines[:3] == [
        "Each voter's equal share started at £33.33. It was raised by £1 6 times, to £39.33, "
        "and that result is the one used.",
        "Equal shares, round 1: Bench (£60, 4 points) funded. Its 2 supporters paid £15.00 for each point "
        "they gave it. £40 left.",
        "Equal shares: Garden (£50, 3 points) not funded: its 2 supporters had only about £48.66 left between them.",
    ]
    # Mural's one supporter has £39.33 - £30 = £9.33 left.
    assert lines[3] == "Equal shares: Mural (£30, 1 point) not funded: its 1 supporter had only about £9.33 left."
    assert lines[4:] == [
        "Equal shares: Library (£10) not funded: nobody chose it.",
        "Money left over: Garden (£50, 3 points) not funded: it needed £50 but only £40 was left.",
        "Money left over: Mural (£30, 1 point) funded. £10 left.",
        "Money left over: Library (£10) not funded: nobody chose it.",
    ]
    steps_of = {}
    for step in outcome.steps:
        if "project" in step:
            steps_of.setdefault(step["project"], []).append(step)
    assert funding_reason(steps_of["1"], "equal-shares", outcome.params, 1) == (
        "Funded with equal shares: its 2 supporters could pay its £60 from their shares.")
    assert funding_reason(steps_of["2"], "equal-shares", outcome.params, 2) == (
        "Its supporters could not pay for it with their equal shares, and the money left over "
        "afterwards was not enough: needed £50, £40 left.")
    assert funding_reason(steps_of["3"], "equal-shares", outcome.params, 3) == (
        "Funded from the money left over after equal shares: it had the highest score of the projects "
        "that still fitted (£30).")
    assert funding_reason(steps_of["4"], "equal-shares", outcome.params, 4) == "No votes: nobody chose this project."
    assert rule_summary("equal-shares", outcome.params) == MES + ADD1 + FILL


def test_one_supporter_is_one_supporter():
    """A project with a single supporter is described in the singular, in the reason and in the steps."""
    funded = [{"phase": "mes", "decision": "funded", "project": "1", "cost": 2_000, "score": 3, "supporters": 1,
               "round": 1, "price_per_point_float": 666.67, "money_left": 8_000}]
    assert funding_reason(funded, "equal-shares", {}, 1) == (
        "Funded with equal shares: its 1 supporter could pay its £20 from their share.")
    assert step_lines(funded, {"1": "Bench"}) == [
        "Equal shares, round 1: Bench (£20, 3 points) funded. Its 1 supporter paid £6.67 for each point they gave it. "
        "£80 left."]
