"""The stateful dual Newton solver: warm start, Newton steps, the certified answer."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from replicator.exceptions import ConfigError
from replicator.solvers._base import Status
from replicator.solvers._outcome import NativeOutcome
from replicator.solvers.dual_newton._ascent import (
    _converged,
    _evaluate,
    _hessian,
    _Point,
    _project,
    _saturated,
    _violation,
)
from replicator.solvers.dual_newton._numbers import FEAS_TOL, GAP_TOL, _Data, _numbers
from replicator.solvers.dual_newton._structure import NotSeparable, _Pattern, analyze

__all__ = ["DualNewton"]

#: Newton iterations before declining. Over ~500 random problems (3-300
#: assets, 1-10 factors, every hard QP term, cost aversion 1-10^4) the
#: median was 4-6 and the largest 54; ~1 % (3-15 assets with costs 100x the
#: risk, where the dual is flat over long stretches) did not converge in 60.
MAX_ITER = 60
#: Range of the Levenberg-Marquardt factor ``theta`` (relative to the
#: Hessian's largest diagonal entry); a step that needs more is declined.
THETA_MIN = 1e-12
THETA_MAX = 1e8
#: Multipliers beyond this mean a dual rising without bound (an infeasible
#: problem); the objective is O(1e4) at most, so optimal ones are far smaller.
LAMBDA_MAX = 1e12


def _setting(key: str, value: Any) -> Any:
    """Return ``value`` as the setting ``key`` or raise ConfigError naming it.

    ``max_iter`` is a whole number ``>= 0`` (0 certifies the starting point
    only); ``feas_tol`` and ``gap_tol`` are finite numbers ``> 0`` (a NaN
    would switch the row check off). A number given as text (YAML reads
    ``1e-9`` as a string) is read as that number.
    """
    number: float
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.number)):
        number = float("nan")
        ok = False
    else:
        try:
            number = float(value)
            ok = True
        except ValueError:
            number, ok = float("nan"), False
    if key == "max_iter":
        if ok and math.isfinite(number) and number == int(number) and number >= 0:
            return int(number)
        what = "a whole number of iterations >= 0, e.g. 60"
    else:
        if ok and math.isfinite(number) and number > 0:
            return number
        what = "a finite number > 0, e.g. 1e-10"
    raise ConfigError(
        f"solver_options: DUAL_NEWTON's {key!r} must be {what}; got {value!r}. "
        "Fix it in solver_options (or the config's solver.options)."
    )


def _same_key(a: tuple[Any, ...], b: tuple[Any, ...] | None) -> bool:
    if b is None or a[:3] != b[:3]:
        return False
    for (sa, pa, ia), (sb, pb, ib) in zip(a[3:], b[3:], strict=True):
        if sa != sb:
            return False
        for x, y in ((pa, pb), (ia, ib)):
            if x is not y and not np.array_equal(x, y):
                return False
    return True


class DualNewton:
    """Stateful dual Newton solver: the pattern analysis and ``lambda`` persist.

    ``solve(d)`` returns a certified optimum of the QPData ``d`` or declines
    (status FAILED and the reason in ``raw_status``); it never returns a
    point it has not checked.
    """

    name = "DUAL_NEWTON"
    #: Settings ``solver_options`` may change.
    SETTINGS = ("max_iter", "feas_tol", "gap_tol")

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.max_iter = MAX_ITER
        self.feas_tol = FEAS_TOL
        self.gap_tol = GAP_TOL
        for key, value in (options or {}).items():
            if key not in self.SETTINGS:
                raise ConfigError(
                    f"solver_options: DUAL_NEWTON has no setting {key!r}; it has "
                    f"{', '.join(map(repr, self.SETTINGS))}."
                )
            setattr(self, key, _setting(key, value))
        self.key: Any = None
        self.pattern: _Pattern | None = None
        self.unsupported: str | None = None
        self.lam: np.ndarray | None = None
        self.layout: Any = None
        self.cache: dict[str, Any] = {}
        self.theta = THETA_MIN

    def _pattern_for(self, d: Any) -> _Pattern:
        """Return the analysis of ``d``'s pattern, redone when the pattern changes.

        The builder reuses its index arrays between solves, so the check is
        mostly ``is``; the arrays are kept, so an address is never recycled.
        """
        key = (
            d.is_conic,
            tuple(d.blocks.items()),
            d.layout,
            *((M.shape, M.indptr, M.indices) for M in (d.P, d.A_eq, d.A_in)),
        )
        if not _same_key(key, self.key):
            self.key, self.pattern, self.unsupported = key, None, None
            self.lam, self.layout, self.cache = None, None, {}
            try:
                self.pattern = analyze(d)
            except NotSeparable as exc:
                self.unsupported = str(exc)
        if self.pattern is None:
            raise NotSeparable(self.unsupported or "unsupported")
        return self.pattern

    def solve(self, d: Any) -> NativeOutcome:
        t0 = time.perf_counter()
        try:
            pat = self._pattern_for(d)
            D = _numbers(pat, d, self.feas_tol, self.cache, self.gap_tol)
        except NotSeparable as exc:
            return NativeOutcome(None, Status.FAILED, f"declined: {exc}", 0, 0.0, 0.0)
        t1 = time.perf_counter()
        m = D.r.size
        lam = np.zeros(m)
        if self.lam is not None and self.layout == D.layout:
            lam = _project(self.lam, D)
        p = _evaluate(D, lam)
        if p is None:
            lam = np.zeros(m)
            p = _evaluate(D, lam)
        it = 0
        self.theta = THETA_MIN
        why = "no ascent step" if p is None else ""
        while p is not None and not _converged(D, p, self.gap_tol):
            if it >= self.max_iter:
                why = f"not converged in {self.max_iter} iterations"
                break
            if np.abs(p.lam).max(initial=0.0) > LAMBDA_MAX:
                # the dual rises without bound: no feasible point (weak duality)
                why = "multipliers diverge (the problem may be infeasible)"
                break
            it += 1
            p = self._step(D, p)
            if p is None:
                why = "no ascent step"
        t2 = time.perf_counter()
        if p is None or why:
            self.lam = None
            return NativeOutcome(
                None, Status.FAILED, f"declined: {why}", it, t2 - t1, t1 - t0
            )
        self.lam, self.layout = p.lam, D.layout
        x = np.empty(d.n_variables)
        n = pat.n
        # w0 + t can land an ulp outside the weight's own bounds
        w = np.clip(p.x[:n], d.x_lower[pat.w], d.x_upper[pat.w])
        x[pat.w], x[pat.buy], x[pat.sell] = w, p.x[n : 2 * n], p.x[2 * n :]
        if pat.z_col.size:
            za = pat.z_asset
            x[pat.z_col] = D.sigma[za] * w[za] + D.zeta[za]
        x[pat.glob] = p.xg
        if pat.slack_col.size:
            j = D.slack_dual
            over = np.maximum(D.sign[j] * p.grad[j], 0.0)
            x[pat.slack_col] = np.where(_saturated(D, p.lam)[j], over, 0.0)
            x[pat.slack_col] *= D.slack_scale
        return NativeOutcome(x, Status.OPTIMAL, "solved", it, t2 - t1, t1 - t0)

    def _step(self, D: _Data, p: _Point) -> _Point | None:
        """One projected, regularized Newton step; None when none ascends.

        The step solves ``(H_F + theta h I) d = grad_F`` on the multipliers
        not held at their bound, ``h`` being the largest diagonal entry
        ``-H`` would have with every weight free (a fixed scale: with few or
        no weights free ``H_F`` itself may be zero). Where few weights are
        free the dual is flat along some directions and Newton's steps
        zigzag between pieces; a rejected
        step multiplies ``theta`` by 10 (towards a short gradient step) and an
        accepted one divides it by 10 (Levenberg-Marquardt, i.e. an inexact
        proximal point method on the dual).
        """
        g, lam = p.grad, p.lam
        # bounds held: lambda_j at a bound with the ascent direction outside
        held = ((lam <= D.lam_lo) & (g <= 0)) | ((lam >= D.lam_hi) & (g >= 0))
        free = ~held
        H = _hessian(D, p)
        idx = np.flatnonzero(free)
        Hf = H if idx.size == lam.size else H[idx][:, idx]
        diag = np.arange(idx.size)
        h = D.h_all
        # The dual value is a sum of terms as large as the objective's constant
        # (||g||^2 + ||s b||^2), which cancel: below ``noise`` its changes are
        # rounding, and a step that halves the row violations is taken.
        noise = 1e-13 * (1.0 + abs(D.constant) + abs(p.value))
        before = _violation(D, p)
        step = np.zeros_like(lam)
        while self.theta <= THETA_MAX:
            try:
                Hr = Hf.copy()
                Hr[diag, diag] += self.theta * h
                step[idx] = np.linalg.solve(Hr, g[idx])
            except np.linalg.LinAlgError:
                self.theta *= 10.0
                continue
            trial = _project(lam + step, D)
            if not np.isfinite(trial).all():
                self.theta *= 10.0
                continue
            q = _evaluate(D, trial)
            if q is not None:
                rise = q.value - p.value
                if (rise >= 1e-4 * float(g @ (trial - lam)) and rise > -noise) or (
                    rise > -noise and _violation(D, q) <= 0.5 * before
                ):
                    self.theta = max(self.theta * 0.1, THETA_MIN)
                    return q
            self.theta *= 10.0
        return None
