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
