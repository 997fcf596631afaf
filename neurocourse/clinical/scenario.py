"""A small, seeded epilepsy scene shared by the chapter, its explorer and the tests: radial
magnetometers around a spherical head and a spiking tangential dipole at a chosen depth.

All SI units. The head is a sphere centred at the origin with inner-skull radius 0.09 m; the
sensors sit 0.12 m from the centre; depth is measured from a 0.10-m scalp along a direction
tilted 25° from the vertex toward +x.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurocourse import meg
from neurocourse._validation import check_int, check_range
from neurocourse.clinical.spikes import SpikeRecording, simulate_spike_recording

__all__ = ["INNER_SKULL", "SCALP", "EpilepsyScene", "epilepsy_scene"]

#: Inner-skull radius of the scene's sphere model, m (the dipole-fit search radius).
INNER_SKULL = 0.09
#: Scalp radius from which the depth is measured, m.
SCALP = 0.10
_DIRECTION = np.array([np.sin(np.radians(25.0)), 0.0, np.cos(np.radians(25.0))])


@dataclass(frozen=True, eq=False)
class EpilepsyScene:
    """A spiking dipole under a toy MEG helmet.

    Attributes
    ----------
    recording : SpikeRecording
        The simulated data.
    gain : callable
        ``gain(points (n, 3) m) -> (n_sensors, 3 n)`` sphere-model lead field, T/(A·m).
    sensors : SensorArray
        The magnetometers.
    radius : float
        Inner-skull radius in m.
    """

    recording: SpikeRecording
    gain: Callable
    sensors: object
    radius: float


def epilepsy_scene(moment=200e-9, depth=0.03, background_sd=200e-15, duration=60.0,
                   n_sensors=60, noise_sd=20e-15, rate=0.2, rng=0) -> EpilepsyScene:
    """Build the scene: a tangential (y-oriented) spiking dipole ``depth`` m below the scalp.

    Parameters
    ----------
    moment : float
        Peak moment in A·m (>= 0).
    depth : float
        Depth below the 0.10-m scalp in m, in [0.015, 0.095].
    background_sd : float
        AR(1) background SD per channel in T (brain noise).
    duration : float
        Recording length in s.
    n_sensors : int
        Number of radial magnetometers.
    noise_sd : float
        White sensor noise SD in T.
    rate : float
        Mean spike rate in Hz.
    rng : numpy.random.Generator or int
        Random draws.

    Returns
    -------
    EpilepsyScene
    """
    d = float(check_range("depth", depth, 0.015, 0.095, unit="m"))
    q = float(check_range("moment", moment, 0.0, unit="A·m"))
    arr = meg.radial_magnetometers(check_int("n_sensors", n_sensors, 3), radius=0.12, z_min=-0.2)

    def gain(points):
        return meg.lead_field(points, arr.positions, arr.normals)

    rec = simulate_spike_recording(gain, (SCALP - d) * _DIRECTION, (0.0, q, 0.0),
                                   duration=duration, noise_sd=noise_sd,
                                   background_sd=background_sd, rate=rate, rng=rng)
    return EpilepsyScene(recording=rec, gain=gain, sensors=arr, radius=INNER_SKULL)
