"""The profiled (RE)ML deviance of a linear mixed model with one grouping factor, and its gradient.

Model (Bates, Mächler, Bolker and Walker 2015, "Fitting linear mixed-effects models using lme4",
J Stat Softw 67(1), section 3): y = Xβ + Zb + ε with ε ~ N(0, σ²I), b_i ~ N(0, σ²TTᵀ) per group,
T the q × q lower-triangular relative covariance factor whose lower triangle, column by column,
is θ (lme4's `getME(fit, "theta")`). β and σ² are profiled out, leaving a function of θ alone.

lme4 evaluates it with a sparse Cholesky factor of ZᵀZ over all groups. With a single grouping
factor the problem splits into independent q × q blocks, so everything needed is a handful of
per-group sums — ZᵢᵀZᵢ, ZᵢᵀXᵢ, Zᵢᵀyᵢ — plus XᵀX, Xᵀy, yᵀy, all formed once. One evaluation is
then O(groups · q² · p) in batched array operations, independent of the number of rows.

With D = TTᵀ and Vᵢ = I + ZᵢDZᵢᵀ (the marginal covariance over σ²), the push-through identity
Zᵢᵀ Vᵢ⁻¹ = (I + SᵢD)⁻¹ Zᵢᵀ, Sᵢ = ZᵢᵀZᵢ, gives every quadratic form from the sums:

    log|Vᵢ| = log|I + SᵢD|
    XᵀV⁻¹X = XᵀX − Σ (ZᵢᵀXᵢ)ᵀ D Mᵢ (ZᵢᵀXᵢ),   Mᵢ = (I + SᵢD)⁻¹  (D Mᵢ is symmetric)
    XᵀV⁻¹y, yᵀV⁻¹y likewise; r² = yᵀV⁻¹y − β̂ᵀXᵀV⁻¹y, the penalised residual sum of squares

    ML:   −2 log L = Σ log|Vᵢ| + n (1 + log(2π r² / n))
    REML: −2 log L_R = Σ log|Vᵢ| + log|XᵀV⁻¹X| + (n − p)(1 + log(2π r² / (n − p)))

which are lme4's `deviance()` and `REMLcrit()`. The gradient with respect to D follows from
d log|Vᵢ| = tr(ZᵢᵀVᵢ⁻¹Zᵢ dD), d r² = −Σ uᵢuᵢᵀ : dD with uᵢ = ZᵢᵀVᵢ⁻¹eᵢ (β̂ minimises r², so its
own change drops out), and d log|XᵀV⁻¹X| = −Σ WᵢC⁻¹Wᵢᵀ : dD with Wᵢ = ZᵢᵀVᵢ⁻¹Xᵢ; then
dD = dT Tᵀ + T dTᵀ gives ∂/∂T = 2 (∂/∂D) T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import linalg

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SufficientStatistics:
    """Per-group and global cross-products; all a deviance evaluation ever reads."""

    ztz: Array  # (groups, q, q)
    ztx: Array  # (groups, q, p)
    zty: Array  # (groups, q)
    xtx: Array  # (p, p)
    xty: Array  # (p,)
    yty: float
    n_obs: int

    @property
    def q(self) -> int:
        return int(self.ztz.shape[1])

    @property
    def p(self) -> int:
        return int(self.xtx.shape[0])


def sufficient_statistics(
    group_codes: npt.NDArray[np.intp], n_groups: int, x: Array, z: Array, y: Array
) -> SufficientStatistics:
    """Sum the cross-products within groups, one `bincount` per matrix entry (O(rows))."""

    def per_group(values: Array) -> Array:
        return np.bincount(group_codes, weights=values, minlength=n_groups).astype(np.float64)

    q, p = z.shape[1], x.shape[1]
    ztz = np.empty((n_groups, q, q))
    for row in range(q):
        for column in range(row, q):
            ztz[:, row, column] = ztz[:, column, row] = per_group(z[:, row] * z[:, column])
    ztx = np.empty((n_groups, q, p))
    for row in range(q):
        for column in range(p):
            ztx[:, row, column] = per_group(z[:, row] * x[:, column])
    zty = np.column_stack([per_group(z[:, row] * y) for row in range(q)])
    return SufficientStatistics(
        ztz=ztz, ztx=ztx, zty=zty, xtx=x.T @ x, xty=x.T @ y, yty=float(y @ y), n_obs=len(y)
    )


def theta_to_factor(theta: Array, q: int) -> Array:
    """lme4's θ → T: the lower triangle filled column by column."""
    factor = np.zeros((q, q))
    factor[np.triu_indices(q)[::-1]] = theta  # column-major lower triangle
    return factor


def theta_lower_bounds(q: int) -> list[float | None]:
    """Diagonal elements of T are ≥ 0 (as in lme4's `getME(fit, "lower")`); the rest are free."""
    rows, columns = np.triu_indices(q)[::-1]
    return [0.0 if r == c else None for r, c in zip(rows, columns, strict=True)]


def _inverse_and_logdet(matrices: Array) -> tuple[Array, Array]:
    """Batched inverse and log-determinant; closed forms for 1 × 1 and 2 × 2 blocks (fast)."""
    q = matrices.shape[1]
    if q == 1:
        return 1.0 / matrices, np.log(matrices[:, 0, 0])
    if q == 2:
        a, b = matrices[:, 0, 0], matrices[:, 0, 1]
        c, d = matrices[:, 1, 0], matrices[:, 1, 1]
        determinant = a * d - b * c
        inverse = np.empty_like(matrices)
        inverse[:, 0, 0] = d / determinant
        inverse[:, 0, 1] = -b / determinant
        inverse[:, 1, 0] = -c / determinant
        inverse[:, 1, 1] = a / determinant
        return inverse, np.log(determinant)
    _, logdet = np.linalg.slogdet(matrices)
    return np.asarray(np.linalg.inv(matrices), dtype=np.float64), np.asarray(logdet, np.float64)


def _matvec(matrices: Array, vectors: Array) -> Array:
    """(groups, q, r) times (groups, r) → (groups, q)."""
    return np.asarray(np.matmul(matrices, vectors[:, :, np.newaxis])[:, :, 0], dtype=np.float64)


def _sum_of_products(left: Array, right: Array) -> Array:
    """Σᵢ leftᵢ rightᵢ for stacks (groups, a, b) and (groups, b, c), as one BLAS product."""
    groups, rows, inner = left.shape
    return np.asarray(
        np.transpose(left, (1, 0, 2)).reshape(rows, groups * inner)
        @ right.reshape(groups * inner, -1),
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class ProfiledFit:
    """Everything at one θ: the criterion, its gradient, and the profiled β, σ², C = XᵀV⁻¹X."""

    deviance: float
    gradient: Array
    beta: Array
    sigma2: float
    xtvinvx: Array
    log_likelihood: float
    random_effects: Array  # (groups, q): the BLUPs D uᵢ (σ² cancels), lme4's ranef()


def profiled_deviance(theta: Array, stats: SufficientStatistics, *, reml: bool) -> ProfiledFit:
    """The profiled criterion (lme4's REMLcrit or ML deviance) and its gradient at θ."""
    q, p, n = stats.q, stats.p, stats.n_obs
    factor = theta_to_factor(theta, q)
    relative_cov = factor @ factor.T
    b_matrices = np.eye(q) + stats.ztz @ relative_cov  # I + SᵢD
    m_matrices, logdets = _inverse_and_logdet(b_matrices)
    dm = relative_cov @ m_matrices  # D Mᵢ, symmetric
    h = dm @ stats.ztx  # (groups, q, p)
    # Sums over groups are written as one matrix product over the stacked (group, q) rows,
    # which BLAS does far faster than the equivalent einsum.
    ztx_rows = stats.ztx.reshape(-1, p)
    zty_rows = stats.zty.reshape(-1)
    xtvinvx = stats.xtx - ztx_rows.T @ h.reshape(-1, p)
    xtvinvx = (xtvinvx + xtvinvx.T) / 2
    xtvinvy = stats.xty - h.reshape(-1, p).T @ zty_rows
    ytvinvy = stats.yty - float(zty_rows @ _matvec(dm, stats.zty).reshape(-1))
    cholesky = linalg.cho_factor(xtvinvx, lower=True)
    beta = linalg.cho_solve(cholesky, xtvinvy)
    pwrss = ytvinvy - float(beta @ xtvinvy)
    degrees = n - p if reml else n
    deviance = float(np.sum(logdets)) + degrees * (1 + np.log(2 * np.pi * pwrss / degrees))
    if reml:
        deviance += 2 * float(np.sum(np.log(np.diag(cholesky[0]))))

    residual_z = stats.zty - stats.ztx @ beta  # Zᵢᵀeᵢ
    u = _matvec(m_matrices, residual_z)  # ZᵢᵀVᵢ⁻¹eᵢ
    gradient_d = _sum_of_products(m_matrices, stats.ztz)  # Σ ZᵢᵀVᵢ⁻¹Zᵢ
    gradient_d -= (degrees / pwrss) * (u.T @ u)
    if reml:
        w = m_matrices @ stats.ztx  # ZᵢᵀVᵢ⁻¹Xᵢ, (groups, q, p)
        c_inverse = linalg.cho_solve(cholesky, np.eye(p))
        w_by_q = np.transpose(w, (1, 0, 2)).reshape(q, -1)
        weighted_by_q = np.transpose(w @ c_inverse, (1, 0, 2)).reshape(q, -1)
        gradient_d -= weighted_by_q @ w_by_q.T  # Σ Wᵢ C⁻¹ Wᵢᵀ
    gradient_d = (gradient_d + gradient_d.T) / 2
    gradient_t = 2 * gradient_d @ factor
    gradient = gradient_t[np.triu_indices(q)[::-1]]
    return ProfiledFit(
        deviance=deviance,
        gradient=gradient,
        beta=beta,
        sigma2=pwrss / degrees,
        xtvinvx=xtvinvx,
        log_likelihood=-deviance / 2,
        random_effects=u @ relative_cov.T,
    )
