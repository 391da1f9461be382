"""Bundled real datasets for examples and tests (no network access).

Three small datasets ship with the package, each with a provenance note
(:func:`provenance`): ``sp500`` (S&P 500 survivors and index, 2010-2011),
``crypto`` (CoinGecko daily data, 2019-07..2021-10, 26 gap-free coins),
``crypto_universe`` (every CoinGecko coin of the source with its own history,
2013-04..2021-10, point in time) and ``dow30``
(cvxportfolio's 2014 Dow-30 data with real dollar volumes). Loaders return
fresh pandas copies of cached data.
"""

from replicator.datasets._catalog import list_datasets, provenance
from replicator.datasets._crypto import CryptoData, load_crypto
from replicator.datasets._crypto_universe import CryptoUniverse, load_crypto_universe
from replicator.datasets._dow30 import Dow30Data, load_dow30
from replicator.datasets._sp500 import SP500Data, load_sp500

__all__ = [
    "CryptoData",
    "CryptoUniverse",
    "Dow30Data",
    "SP500Data",
    "list_datasets",
    "load_crypto",
    "load_crypto_universe",
    "load_dow30",
    "load_sp500",
    "provenance",
]
