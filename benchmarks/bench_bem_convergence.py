"""Convergence sweep of the single-compartment BEM: ico-2, ico-3, ico-4 against Sarvas' sphere formula.

The heavy level of ``tests/test_meg_bem.py``'s convergence test, moved out of the suite (the ico-4
build alone takes 10-45 s on a loaded machine). For the default linear Galerkin scheme it prints,
per level, the build time and the full-field RDM (all three components, tangential and oblique
dipoles at eccentricities 0.1-0.9, sensors at 1.2 R), the mean error ratio between levels, and the
load average; it exits non-zero if the error does not fall at every point, if the mean ratio
ico-3/ico-4 is not above 4 (a second-order method gives 4; measured about 15), or if ico-4 misses
RDM ≤ 1e-3 anywhere (measured ≤ 4.0e-4). Run with ``.venv/bin/python benchmarks/bench_bem_convergence.py``.
"""

import os
import sys

import numpy as np
from _timing import median_time

from neurocourse.meg.bem import bem_model, sphere_accuracy
from neurocourse.meg.mesh import icosphere

R, SIGMA = 0.09, 0.33
ECC = (0.1, 0.3, 0.5, 0.7, 0.8, 0.9)


def main() -> int:
    err, t_build = {}, {}
    for order in (2, 3, 4):
        t_build[order], model = median_time(lambda o=order: bem_model(icosphere(o, R), SIGMA), repeats=1)
        err[order] = np.concatenate([
            sphere_accuracy(eccentricities=ECC, model=model, sensor_radius=1.2 * R, orientation=o,
                            components="full")[0]
            for o in ("tangential", "oblique")
        ])  # fmt: skip
        print(f"ico-{order}: build {t_build[order]:6.1f} s   max RDM {err[order].max():.2e}   "
              f"mean RDM {err[order].mean():.2e}")  # fmt: skip
    r23, r34 = err[2].mean() / err[3].mean(), err[3].mean() / err[4].mean()
    print(f"mean error ratio ico-2/ico-3 = {r23:.1f}, ico-3/ico-4 = {r34:.1f}")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    ok = bool(np.all(err[3] < err[2]) and np.all(err[4] < err[3]) and r34 > 4 and np.all(err[4] <= 1e-3))
    print("convergence criteria:", "met" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
