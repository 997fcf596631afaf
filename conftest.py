"""Suite-wide pytest set-up (unit tests under tests/ and the nbval runs over exercises/ and solutions/).

No test may depend on wall time: the suite runs on a shared, loaded two-core machine. Two
third-party defaults do, and are lifted here:

- Hypothesis fails an example that takes longer than 200 ms (its ``deadline``); the profile below
  removes the deadline (examples are still bounded in number, so a property test cannot run for ever).
- nbval waits only 5 s (a constant, ``IPyNbCell.output_timeout``) for a kernel's output messages after
  a cell has replied; under load the kernel's final "idle" message can come later than that, and the
  cell fails with "Timeout of 5 seconds exceeded waiting for output". The wait becomes 120 s, well
  beyond any delay a loaded machine causes, yet still bounded, so a dead kernel fails the run.

Hangs are caught by pytest-timeout (``--timeout`` in the Makefile), at bounds far above any test's
normal duration.
"""

import hypothesis
from nbval.plugin import IPyNbCell

hypothesis.settings.register_profile("neurocourse", deadline=None, print_blob=True)
hypothesis.settings.load_profile("neurocourse")

NBVAL_OUTPUT_TIMEOUT = 120.0  # s
_nbval_cell_init = IPyNbCell.__init__


def _patient_cell_init(self, *args, **kwargs):
    _nbval_cell_init(self, *args, **kwargs)
    self.output_timeout = NBVAL_OUTPUT_TIMEOUT


IPyNbCell.__init__ = _patient_cell_init
