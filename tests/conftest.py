"""Shared test settings: headless plotting, hypothesis profiles sized for a 2-core CI."""

import os

import matplotlib
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# pytest -n 2 runs two workers on two cores: one BLAS thread each, or they oversubscribe
# (threaded OpenBLAS made the ARPACK tests about 6x slower here).
threadpool_limits(1)

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
