"""pytest settings for executing the notebooks with nbval (in the course folder, so that
assignments/ holds only what a student opens; nbval's sanitizers: tools/nbval_sanitize.cfg).

The notebooks' matrix products are small (a minibatch times W), and on a
2-core machine one BLAS thread beats two fighting over the cores (measured
2-3x on the training loop). The kernels nbval starts inherit this process's
environment, so the default is set here for plain `pytest` as well as for
`make test` (which sets it too). An explicit OPENBLAS_NUM_THREADS wins.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
