"""Production settings plus a minimal view to compare pages with (see bench/run.py)."""

import os

from config.settings import *  # noqa: F403
from config.settings import STATIC_ROOT

ROOT_URLCONF = "bench.urls"
# collectstatic writes here, so a benchmark run leaves the checkout alone.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)
