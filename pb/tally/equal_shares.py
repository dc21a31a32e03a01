"""The Method of Equal Shares (equalshares.net), with the add1 and add1u completions.

Every voter starts with an equal share of the budget. In each round the project whose supporters can
pay for it at the lowest price per unit of utility (rho) is funded; each supporter pays
``min(what they have left, rho x their utility)``. A voter's utility for a project is its points
times its cost, so a supporter pays ``q x points`` where ``q = rho x cost`` is the price per point.
Rounds end when no project's supporters can afford it.

Speed and exactness. Budgets are tracked as float vectors over grouped ballots, which is fast, and
also exactly: a voter who has never run out of money holds ``b - sum(q_c x points_c)`` over the
projects they helped fund, and every funded project's ``q_c`` is kept exactly (as integers over one
common denominator, so sums of money stay integers). Whenever a float comparison is too close to
call (two projects' rho, a voter's money against their share, a project's supporters' money against
its cost) the decision is taken again with the exact values. Ties that remain exact go by the
count's tie-break order (cost-score-id: the cheaper project, then the higher score, then the lower id).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from pb.tally.greedy import greedy_pass
from pb.tally.profile import Profile, as_fraction
from pb.tally.types import Money, money_json

# Float results closer than this (relative) are re-decided exactly. Float error here is ~1e-13.
REL_TOL = 1e-8


@dataclass(frozen=True)
class FundedRound:
    """One project funded by equal shares."""

    project: int
    price_per_point: Fraction  # q: what one point of support paid
    supporters: int  # voters who gave the project points
    paid_everything: int  # supporters who handed over all the money they had left (and had some)

    def rho(self, cost: int) -> Fraction:
        return self.price_per_point / cost


@dataclass
class Run:
    """Equal shares at one per-voter budget."""

    per_voter: Fraction
    remaining: np.ndarray  # each ballot group's money per voter at the end (float)
    rounds: list[FundedRound] = field(default_factory=list)
    cost: int = 0

    @property
    def funded(self) -> list[int]:
        return [r.project for r in self.rounds]

    def supporters_money(self, profile: Profile, c: int) -> float:
        """What a project's supporters had left between them when the run ended."""
        lo, hi = profile.sup_ptr[c], profile.sup_ptr[c + 1]
        return float(np.dot(profile.sup_weight[lo:hi], self.remaining[profile.sup_group[lo:hi]]))


@dataclass
class _Offer:
    """A project's price this round, computed in floats, with what is needed to confirm it exactly."""

    project: int
    q: float  # price per point (once priced exactly, the exact price as a float)
    rho: float  # q / cost
    entries: slice  # its supporter entries in the profile
    groups: np.ndarray
    remaining: np.ndarray  # supporters' money before paying
    poor: np.ndarray  # supporters who cannot pay their full share (pay all they have)


class EqualShares:
    """Runs equal shares on one profile, any number of times (add1 reruns it with bigger shares)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.m = profile.size
        self.cost_f = np.asarray(profile.costs, dtype=np.float64)
        self.score_f = np.asarray(profile.scores, dtype=np.float64)
        self.sup_wp = profile.sup_weight * profile.sup_points
        self.max_points = float(profile.rank_points.max())

    # ---- one run -----------------------------------------------------------------------------

    def run(self, per_voter: Fraction) -> Run:
        pf = self.profile
        self.bf = float(per_voter)
        self.money_tol = REL_TOL * self.bf
        n_groups = len(pf.weights)
        self.remaining = np.full(n_groups, self.bf)
        self.capped = np.zeros(n_groups, dtype=bool)  # voters who have spent everything
        self.in_funded = np.zeros(self.m + 1, dtype=bool)  # the extra slot answers for padding (-1)
        # Exact prices over one common denominator: q_c = price_num[c] / denominator, b = share_num / denominator.
        # Sums of money then stay in integers until the end.
        self.denominator = per_voter.denominator
        self.share_num = per_voter.numerator
        self.price_num = np.zeros(self.m, dtype=object)
        run = Run(per_voter=per_voter, remaining=self.remaining)

        heap: list[tuple[float, int, int]] = []
        for c in range(self.m):
            rho = self._first_round_rho(c)
            if rho is not None:
                heap.append((rho * (1 - REL_TOL), pf.tie_rank[c], c))
        heapq.heapify(heap)

        while heap:
            choice = self._next_round(heap)
            if choice is None:
                break
            offer, q, poor = choice
            self._fund(run, offer, q, poor)
        return run

    def _first_round_rho(self, c: int) -> float | None:
        """rho while every voter still holds the same share; None when the supporters clearly cannot afford it.

        Only a lower bound for the heap is needed here (the round itself re-prices exactly), so floats do.
        """
        classes = self.profile.point_classes[c]  # (points, voters), most points first
        cost = float(self.profile.costs[c])
        b = self.bf
        if not classes or b * sum(w for _, w in classes) < cost * (1 - REL_TOL):
            return None
        poor_voters = 0
        rich_points = float(sum(p * w for p, w in classes))
        q = cost / rich_points
        for points, voters in classes:
            q = (cost - b * poor_voters) / rich_points
            if q * points <= b or rich_points == points * voters:
                break
            # These voters cannot pay q x points: they pay their whole share.
            poor_voters += voters
            rich_points -= points * voters
        return q / cost

    def _next_round(self, heap: list[tuple[float, int, int]]):
        """Pick this round's project: the lowest rho, found lazily (a project's rho never falls)."""
        pf = self.profile
        best = math.inf
        offers: list[_Offer] = []
        while heap and heap[0][0] <= best * (1 + REL_TOL):
            _, _, c = heapq.heappop(heap)
            offer = self._offer(c)
            if offer is None:
                continue  # its supporters cannot afford it now, so never again
            offers.append(offer)
            best = min(best, offer.rho)
        if not offers:
            return None
        close = [o for o in offers if o.rho <= best * (1 + REL_TOL)]
        if len(close) == 1:
            winner = (close[0], *self._exact_price(close[0]))
        else:
            priced = [(o, *self._exact_price(o)) for o in close]
            winner = min(priced, key=lambda t: (t[1] / pf.costs[t[0].project], pf.tie_rank[t[0].project]))
        for o in offers:
            if o is not winner[0]:
                heapq.heappush(heap, (o.rho, pf.tie_rank[o.project], o.project))
        return winner

    def _offer(self, c: int) -> _Offer | None:
        pf = self.profile
        lo, hi = int(pf.sup_ptr[c]), int(pf.sup_ptr[c + 1])
        groups = pf.sup_group[lo:hi]
        points = pf.sup_points[lo:hi]
        wp = self.sup_wp[lo:hi]
        rem = self.remaining.take(groups)
        money_each = pf.sup_weight[lo:hi] * rem
        cost = self.cost_f[c]
        money = float(money_each.sum())
        if money < cost * (1 - REL_TOL):
            return None
        if money <= cost * (1 + REL_TOL):
            if self._exact_money(groups[~self.capped[groups]]) < pf.costs[c]:
                return None
        total_wp = self.score_f[c]
        q = cost / total_wp
        poor = rem < q * points
        n_poor = int(np.count_nonzero(poor))
        converged = n_poor == 0
        # Supporters short of q x points pay what they have, which raises q: repeat until nobody new is short.
        for _ in range(8):
            if converged:
                break
            rich_wp = total_wp - float(np.add.reduce(wp, where=poor))
            if rich_wp <= 0:
                break
            q = (cost - float(np.add.reduce(money_each, where=poor))) / rich_wp
            new_poor = rem < q * points
            n_new = int(np.count_nonzero(new_poor))
            converged = n_new == n_poor
            poor, n_poor = new_poor, n_new
        if not converged:
            q, poor = self._price_by_sorting(cost, rem / points, money_each, wp)
        return _Offer(c, q, q / cost, slice(lo, hi), groups, rem, poor)

    @staticmethod
    def _price_by_sorting(cost: float, ratio: np.ndarray, money: np.ndarray, wp: np.ndarray):
        """q from supporters sorted by money per point: the first k pay all, the rest pay q x points."""
        order = np.argsort(ratio, kind="stable")
        sorted_ratio = ratio[order]
        money_before = np.concatenate(([0.0], np.cumsum(money[order])[:-1]))
        wp_sorted = wp[order]
        wp_from = np.cumsum(wp_sorted[::-1])[::-1]
        paid_at = money_before + sorted_ratio * wp_from  # what would be paid at q = that ratio
        k = int(np.argmax(paid_at >= cost)) if bool((paid_at >= cost).any()) else len(order) - 1
        q = (cost - money_before[k]) / wp_from[k]
        poor = np.zeros(len(ratio), dtype=bool)
        poor[order[:k]] = True
        return q, poor

    def _exact_price(self, offer: _Offer) -> tuple[Fraction, np.ndarray]:
        """The exact q for an offer, and exactly who cannot pay their full share."""
        pf = self.profile
        c = offer.project
        cost = pf.costs[c]
        points = pf.sup_points[offer.entries]
        weights = pf.sup_weight[offer.entries]
        wp = self.sup_wp[offer.entries]
        capped = self.capped[offer.groups]
        near = (np.abs(offer.remaining - offer.q * points) <= self.money_tol) & ~capped
        sure_poor = offer.poor & ~near
        total_wp = pf.scores[c]
        wp_sure = int(round(float(np.add.reduce(wp, where=sure_poor))))
        if not near.any():
            q = Fraction(cost) - self._exact_money(offer.groups[sure_poor & ~capped])
            q /= total_wp - wp_sure
            poor = sure_poor
        else:
            money_sure = self._exact_money(offer.groups[sure_poor & ~capped])
            near_idx = np.nonzero(near)[0]
            budgets = self._exact_budgets(offer.groups[near_idx])
            near_points = [int(x) for x in points[near_idx]]
            near_weights = [int(x) for x in weights[near_idx]]
            near_poor = [False] * len(near_idx)
            # Who pays everything is a fixed point: start from the surely poor and add voters until stable.
            while True:
                money = money_sure + sum(w * r for w, r, short in zip(near_weights, budgets, near_poor) if short)
                rich_wp = total_wp - wp_sure - sum(
                    w * p for w, p, short in zip(near_weights, near_points, near_poor) if short
                )
                if rich_wp <= 0:
                    return self._exact_price_slowly(offer)
                q = Fraction(cost - money) / rich_wp
                updated = [r < q * p for r, p in zip(budgets, near_points)]
                if updated == near_poor:
                    break
                near_poor = updated
            poor = sure_poor.copy()
            poor[near_idx[np.asarray(near_poor, dtype=bool)]] = True
        # Voters judged in floats were at least money_tol from their share at the float price; they stay on
        # their side as long as the exact price moves a share by less than half that. Otherwise go exact.
        exact_float = float(q)
        if abs(exact_float - offer.q) * self.max_points > self.money_tol / 2:
            return self._exact_price_slowly(offer)
        offer.q = exact_float  # what _fund charges in floats
        return q, poor

    def _exact_price_slowly(self, offer: _Offer) -> tuple[Fraction, np.ndarray]:
        """Fallback: the exact price from every supporter's exact money (rarely needed)."""
        pf = self.profile
        cost = pf.costs[offer.project]
        points = [int(x) for x in pf.sup_points[offer.entries]]
        weights = [int(x) for x in pf.sup_weight[offer.entries]]
        budgets = self._exact_budgets(offer.groups)
        poor = [False] * len(points)
        while True:
            money = sum(w * r for w, r, is_poor in zip(weights, budgets, poor) if is_poor)
            rich_wp = sum(w * p for w, p, is_poor in zip(weights, points, poor) if not is_poor)
            q = Fraction(cost - money) / rich_wp
            updated = [r < q * p for r, p in zip(budgets, points)]
            if updated == poor:
                offer.q = float(q)
                return q, np.asarray(poor, dtype=bool)
            poor = updated

    def _exact_money(self, groups: np.ndarray) -> Fraction:
        """Exact total money held by these (not capped) ballot groups, weights included."""
        if len(groups) == 0:
            return Fraction(0)
        pf = self.profile
        total = self.share_num * int(pf.weights[groups].sum())
        rows = pf.ballots[groups]
        paid = self.in_funded[rows]
        if paid.any():
            # Points each funded project got from these voters; sums stay far below 2**53.
            paid_points = (pf.weights[groups][:, None] * pf.rank_points[None, :])[paid]
            per_project = np.bincount(rows[paid], weights=paid_points, minlength=self.m)
            used = np.nonzero(per_project)[0]
            total -= int(np.dot(self.price_num[used], per_project[used].round().astype(np.int64).astype(object)))
        return Fraction(total, self.denominator)

    def _exact_budgets(self, groups: np.ndarray) -> list[Fraction]:
        """Exact money of each listed ballot group (per voter); voters with the same paid projects share it."""
        pf = self.profile
        rows = pf.ballots[groups]
        signature = np.where(self.in_funded[rows], rows, -1)
        unique, inverse = np.unique(signature, axis=0, return_inverse=True)
        values = []
        for sig in unique:
            value = self.share_num
            for rank, c in enumerate(sig):
                if c >= 0:
                    value -= self.price_num[c] * int(pf.rank_points[rank])
            values.append(Fraction(value, self.denominator))
        capped = self.capped[groups]
        inverse = np.asarray(inverse).reshape(-1)
        return [Fraction(0) if capped[i] else values[inverse[i]] for i in range(len(groups))]

    def _fund(self, run: Run, offer: _Offer, q: Fraction, poor: np.ndarray) -> None:
        pf = self.profile
        c = offer.project
        points = pf.sup_points[offer.entries]
        weights = pf.sup_weight[offer.entries]
        groups = offer.groups
        paid_everything = int(np.add.reduce(weights, where=poor & (offer.remaining > 0)))
        # Supporters who could not pay their full share pay everything; the rest pay q x points.
        after = np.maximum(offer.remaining - offer.q * points, 0.0)
        after[poor] = 0.0
        self.remaining[groups] = after
        self.capped[groups] |= poor
        self.in_funded[c] = True
        common = math.lcm(self.denominator, q.denominator)
        if common != self.denominator:
            scale = common // self.denominator
            self.price_num *= scale
            self.share_num *= scale
            self.denominator = common
        self.price_num[c] = q.numerator * (common // q.denominator)
        run.rounds.append(
            FundedRound(
                project=c,
                price_per_point=q,
                supporters=int(weights.sum()),
                paid_everything=paid_everything,
            )
        )
        run.cost += pf.costs[c]


# ---- the rule as the app sees it -------------------------------------------------------------


@dataclass
class EqualSharesResult:
    funded: list[int]
    steps: list[dict[str, Any]]
    per_voter: Fraction
    increments: int


def equal_shares(profile: Profile, *, completion: str = "add1u", unit: Money = 1) -> EqualSharesResult:
    """Count with equal shares; completion is "none", "add1" or "add1u" (add1, then greedy fill)."""
    budget = as_fraction(profile.budget)
    start = budget / profile.voters
    engine = EqualShares(profile)
    run = engine.run(start)
    increments = 0
    stopped = None
    next_cost = None
    if completion in ("add1", "add1u"):
        run, increments, stopped, next_cost = _add1(profile, engine, run, budget, start, as_fraction(unit))

    steps: list[dict[str, Any]] = []
    if completion in ("add1", "add1u"):
        steps.append(
            {
                "phase": "add1",
                "per_voter_budget": _fraction_text(run.per_voter),
                "per_voter_budget_float": float(run.per_voter),
                "start_per_voter_budget": _fraction_text(start),
                "unit": money_json(unit),
                "increments": increments,
                "stopped": stopped,
                "next_cost": next_cost,
            }
        )
    spent = 0
    for i, rnd in enumerate(run.rounds, start=1):
        c = rnd.project
        cost = profile.costs[c]
        spent += cost
        rho = rnd.rho(cost)
        steps.append(
            {
                "phase": "mes",
                "round": i,
                "project": profile.ids[c],
                "score": profile.scores[c],
                "cost": cost,
                "rho": _fraction_text(rho),
                "rho_float": float(rho),
                "price_per_point_float": float(rnd.price_per_point),
                "paid": cost,
                "supporters": rnd.supporters,
                "paid_everything": rnd.paid_everything,
                "money_left": money_json(profile.budget - spent),
                "decision": "funded",
                "reason": None,
            }
        )
    funded_set = set(run.funded)
    for c in range(profile.size):
        if c in funded_set:
            continue
        step: dict[str, Any] = {
            "phase": "mes",
            "project": profile.ids[c],
            "score": profile.scores[c],
            "cost": profile.costs[c],
            "decision": "skipped",
        }
        if profile.scores[c] == 0:
            step.update(reason="no_support", supporters=0)
        else:
            step.update(
                reason="supporters_cannot_afford",
                supporters=profile.supporters(c),
                supporters_money_left=int(math.floor(run.supporters_money(profile, c) + 1e-6)),
            )
        steps.append(step)

    funded = run.funded
    if completion == "add1u":
        extra, fill_steps = greedy_pass(profile, already_funded=funded, phase="fill")
        funded = funded + extra
        steps.extend(fill_steps)
    return EqualSharesResult(funded=funded, steps=steps, per_voter=run.per_voter, increments=increments)


def _add1(profile: Profile, engine: EqualShares, run: Run, budget: Fraction, start: Fraction, unit: Fraction):
    """Raise every voter's share by `unit` until an outcome exhausts the budget or overspends it.

    Exhausted means no unfunded project that anyone supports fits in the money left. When an outcome
    costs more than the budget, the one before it is kept.
    """
    supported = [c for c in range(profile.size) if profile.scores[c] > 0]
    increments = 0
    while True:
        left = budget - run.cost
        funded = set(run.funded)
        if not any(c not in funded and profile.costs[c] <= left for c in supported):
            return run, increments, "exhausted", None
        following = engine.run(start + (increments + 1) * unit)
        if following.cost > budget:
            return run, increments, "next_over_budget", following.cost
        run = following
        increments += 1


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
