"""neurocourse: the companion package of a graduate course on functional neuroimaging.

The science lives in one module per concept (``bold``, ``mri``, ``vessels``, ``hrf``, ``design``,
``glm``, ``meg``, ...). Import the module you need, e.g. ``from neurocourse import mri``.
Grading (``neurocourse.grading``) and widgets (``neurocourse.widgets``) build on the science;
the science never imports them.
"""

__version__ = "0.1.0"
