"""Problems found by the trust campaign's search, frozen as literal numbers.

Each function returns a :class:`_reference.Problem` (a searched case can depend
on every digit, so the numbers are kept as found).
"""

from __future__ import annotations

import numpy as np

from . import _reference as R


def soft_terms_false_unbounded() -> R.Problem:
    """N=5, FullyInvested + WeightBounds hard, four Soft terms, a spread.

    Found by a seeded search (seed 276, penalties 1e3..1e6). Today PIQP (and
    auto) raise UnboundedError; the reference optimum is 18982.66.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array(
                [
                    5.206617672028489e-08,
                    5.640043910597288e-08,
                    5.800032500938578e-08,
                    8.221205239056595e-08,
                    6.104683657958239e-08,
                ]
            ),
            exposures=np.array(
                [
                    [0.5433466529213355, -0.09604206994004338, -1.031585015599547],
                    [-1.1421939886163515, 0.025572904169416866, 0.3643984130223363],
                    [-1.7908890456653634, 0.7594817543815385, -0.3544729435376396],
                    [0.7976988385825473, 2.29615546067738, -0.5493071231026546],
                    [1.2749658655355889, 1.2281862913514363, 0.8508777979632356],
                ]
            ),
            factor_cov=np.array(
                [
                    [
                        3.4104047797632560e-08,
                        -3.3244908376575792e-09,
                        2.6615901957979384e-09,
                    ],
                    [
                        -3.3244908376575792e-09,
                        5.1181515729427586e-09,
                        -1.2888986002231803e-09,
                    ],
                    [
                        2.6615901957979384e-09,
                        -1.2888986002231803e-09,
                        5.6927639704081102e-08,
                    ],
                ]
            ),
            dense=None,
        ),
        benchmark=np.array(
            [
                0.04895082490568317,
                0.22849983733499504,
                0.3673137558369467,
                0.19185027275580285,
                0.1633853091665723,
            ]
        ),
        holdings=np.array(
            [
                0.3051474391572234,
                0.04657238325309664,
                0.022544752799521905,
                0.6174847086265582,
                0.008250716163599795,
            ]
        ),
        constraints=[
            R.FullyInvested(min_cash=0.0, max_cash=0.0),
            R.WeightBounds(
                lower=np.array([0.0, 0.0, 0.0, 0.0, 0.0]),
                upper=np.array(
                    [
                        0.6549947520279533,
                        0.6549947520279533,
                        0.6549947520279533,
                        0.6549947520279533,
                        0.6549947520279533,
                    ]
                ),
                active=False,
            ),
            R.Soft(
                inner=R.FullyInvested(min_cash=0.0, max_cash=0.0),
                penalty=3034228.633524048,
            ),
            R.Soft(
                inner=R.WeightBounds(
                    lower=np.array([0.0, 0.0, 0.0, 0.0, 0.0]),
                    upper=np.array(
                        [
                            0.4888442228625537,
                            0.4888442228625537,
                            0.4888442228625537,
                            0.4888442228625537,
                            0.4888442228625537,
                        ]
                    ),
                    active=False,
                ),
                penalty=51174.189266558846,
            ),
            R.Soft(
                inner=R.GroupBounds(
                    labels=np.array([0, 1, 2, 3, 3]),
                    lower=np.array(
                        [
                            -0.1422919077639465,
                            -np.inf,
                            0.33098470431694993,
                            0.18600087222986963,
                        ]
                    ),
                    upper=np.array(
                        [
                            0.16245706278994024,
                            0.3326653973974356,
                            0.4457592385592135,
                            0.47591454893212376,
                        ]
                    ),
                    active=False,
                ),
                penalty=96609.12227983848,
            ),
            R.Soft(
                inner=R.TurnoverLimit(limit=0.03361086789825733),
                penalty=69070.77922332834,
            ),
        ],
        costs=[
            R.Spread(
                half=np.array(
                    [
                        5.8361138735220429e-04,
                        1.4880801320422481e-03,
                        1.8204314813026417e-05,
                        2.4125239878131580e-05,
                        3.3124967100623078e-05,
                    ]
                )
            )
        ],
        cost_weight=0.0015044641862851588,
    )


def piqp_residual_priced_by_soft_twin() -> R.Problem:
    """N=1, hard and soft FullyInvested (penalty 1.6e5), impact cost.

    Found by a seeded search (seed 1174). w = 1 is forced; PIQP stops at
    w = 1 + 4.9e-9 (within its tolerance for the hard row) and the soft twin
    prices that residual at 7.9e-4: the objective is 11.5 % above the optimum.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array([0.0]), dense=np.array([[0.004046657096383898]])
        ),
        benchmark=np.array([0.9999999999999999]),
        holdings=np.array([0.0]),
        constraints=[
            R.FullyInvested(),
            R.Soft(R.FullyInvested(), penalty=161716.02656522705),
            R.Soft(
                R.WeightBounds(np.array([0.0]), np.array([2.175679790114053])),
                penalty=3991.5116758699296,
            ),
            R.Soft(
                R.TurnoverLimit(limit=1.0620722614830584), penalty=5364.231253443782
            ),
        ],
        costs=[R.QuadraticImpact(coef=np.array([0.01013622503108846]))],
        cost_weight=0.6797371390860252,
    )


def clarabel_soft_band_n1() -> R.Problem:
    """N=1, a soft cash band and soft bounds, a spread (seed 40 of a search).

    With solver="DUAL_NEWTON" (declined: "a weight without curvature") or
    "CLARABEL", Clarabel's "Solved" is 0.34 % above the reference optimum.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array([0.3432167441264065]),
            exposures=None,
            factor_cov=None,
            dense=np.array([[0.5491349835774229]]),
        ),
        benchmark=np.array([1.0]),
        holdings=np.array([0.0]),
        constraints=[
            R.Soft(
                inner=R.FullyInvested(
                    min_cash=0.00020196466052031496, max_cash=0.004232872142225974
                ),
                penalty=0.37598361549855924,
            ),
            R.Soft(
                inner=R.WeightBounds(
                    lower=np.array([-0.40840413362863676]),
                    upper=np.array([1.633616534514547]),
                    active=False,
                ),
                penalty=0.9918735871743385,
            ),
        ],
        costs=[R.Spread(half=np.array([0.0024644724851756957]))],
        cost_weight=0.0002812227027885666,
    )


def infeasible_group_floors_returned() -> R.Problem:
    """N=5, group floors summing to 1 + 1.1e-5 with FullyInvested (seed 103).

    CLARABEL returns a point breaking the floors by 2.2e-6 as optimal.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array(
                [
                    3.8516357742543141e-06,
                    2.3292731581106180e-06,
                    1.9424874651035737e-06,
                    3.0129393914845188e-06,
                    3.9167900624658563e-06,
                ]
            ),
            exposures=None,
            factor_cov=None,
            dense=None,
        ),
        benchmark=np.array(
            [
                0.46052663572291186,
                0.056369789957305586,
                0.25603118007741155,
                0.12219579474700021,
                0.10487659949537072,
            ]
        ),
        holdings=np.array(
            [
                0.5775697878865825,
                0.37733698879391664,
                0.025940288172297512,
                0.018128160144827366,
                0.0010247750023758902,
            ]
        ),
        constraints=[
            R.Restricted(mask=np.array([False, False, False, False, False])),
            R.Soft(
                inner=R.TurnoverLimit(limit=0.01879830619335351),
                penalty=6.676699437655497,
            ),
            R.FullyInvested(min_cash=0.0, max_cash=0.0),
            R.GroupBounds(
                labels=np.array([0, 1, 2, 0, 1]),
                lower=np.array(
                    [0.3333371710638351, 0.3333371710638351, 0.3333371710638351]
                ),
                upper=np.array([np.inf, np.inf, np.inf]),
                active=False,
            ),
        ],
        costs=[
            R.ProportionalFee(
                buy=np.array(
                    [
                        2.9888079243069564e-05,
                        8.5116680437761841e-03,
                        1.1112582896598826e-03,
                        6.2111924687356884e-04,
                        1.0622287671166208e-04,
                    ]
                ),
                sell=np.array(
                    [
                        2.8383844510109527e-05,
                        1.1444351896743487e-05,
                        2.5409812356447900e-03,
                        2.5126559824530532e-04,
                        9.2745395857926089e-03,
                    ]
                ),
            )
        ],
        cost_weight=0.000326363558572178,
    )


def infeasible_reported_unbounded() -> R.Problem:
    """N=2, NoTrade on a name held short with LongOnly, soft terms ~1e5 (seed 1).

    Infeasible, but raises UnboundedError ('nothing limits the weights').
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array([71.17973763550455, 443.81355409417085]),
            exposures=np.array([[-0.7364540870016669], [-0.16290994799305278]]),
            factor_cov=np.array([[94.80094536634093]]),
            dense=None,
        ),
        benchmark=np.array([0.1337611989235106, 0.8662388010764895]),
        holdings=np.array([-0.0008724969103465256, 0.0]),
        constraints=[
            R.Soft(inner=R.LongOnly(), penalty=130026.45909080867),
            R.Soft(
                inner=R.FullyInvested(min_cash=0.0, max_cash=0.0),
                penalty=448925.5406024172,
            ),
            R.LongOnly(),
            R.NoTrade(mask=np.array([True, False])),
        ],
        costs=[
            R.Spread(half=np.array([1.7827646660449922e-03, 6.9378718542651755e-05]))
        ],
        cost_weight=0.00651615727439236,
    )


def tiny_objective_te_cap_n1() -> R.Problem:
    """N=1, risk ~1e-7, TE cap, a cash band, impact cost (seed 97 of a search).

    The optimum sells down to the smallest cash 2.24e-4; replicator stops at
    2.49e-4 (24 % above the optimal objective of 1.8e-12): tolerances that are
    absolute in objective units cannot resolve an objective this small.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array([1.0519169343473302e-07]),
            exposures=np.array([[-0.46039777741648014]]),
            factor_cov=np.array([[2.845811675476132e-08]]),
            dense=None,
        ),
        benchmark=np.array([1.0]),
        holdings=np.array([1.0]),
        constraints=[
            R.TrackingErrorLimit(max_te=0.0014778553062621492),
            R.FullyInvested(
                min_cash=0.0002243765079632282, max_cash=0.0008275519807674271
            ),
            R.TurnoverLimit(limit=0.255753845312234),
            R.GroupBounds(
                labels=np.array([0]),
                lower=np.array([0.8864712031547033]),
                upper=np.array([1.0814538337704551]),
                active=False,
            ),
        ],
        costs=[R.QuadraticImpact(coef=np.array([0.00015164556941723204]))],
        cost_weight=0.23199821698681844,
    )


def clarabel_soft_long_only_n13() -> R.Problem:
    """N=13, diagonal risk, Soft(LongOnly(), 3.5e4) alone, all cash (seed 6).

    solver='CLARABEL' returns 'Solved' at objective 12771 where holding the
    benchmark costs 5.6e-9.
    """
    return R.Problem(
        risk=R.Risk(
            specific_var=np.array(
                [
                    0.061044303433253316,
                    0.037631006718029686,
                    0.04628130362947782,
                    0.08729265125022634,
                    0.049437029414691906,
                    0.05688095520182606,
                    0.09459779839212354,
                    0.033855634870029565,
                    0.0879770942353306,
                    0.0413661161811198,
                    0.03700929179013284,
                    0.08679628437533539,
                    0.015446293084794763,
                ]
            ),
            exposures=None,
            factor_cov=None,
            dense=None,
        ),
        benchmark=np.array(
            [
                3.9540842948502897e-01,
                7.3695070231038065e-02,
                7.5087027446127136e-02,
                2.0206156012214198e-03,
                2.2376660066557685e-04,
                1.2752899826217234e-01,
                1.8442025046286768e-03,
                1.4033730447272064e-01,
                6.3078024414921482e-02,
                1.0027335652299440e-02,
                9.8751099716976196e-02,
                5.0053519381153908e-03,
                6.9927736740845667e-03,
            ]
        ),
        holdings=np.array(
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        constraints=[R.Soft(inner=R.LongOnly(), penalty=34548.0240599106)],
        costs=[],
        cost_weight=0.20467767437340292,
    )
