"""Topology generators: RadiX-Nets, expanders, Ramanujan graphs and baselines.

Each generator is one function returning a :class:`topogen.Topology` (or, for undirected
graph families, a symmetric ``scipy.sparse.csr_array``); they are re-exported from
:mod:`topogen` itself, e.g. ``topogen.radix_net``.
"""
