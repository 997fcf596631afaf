"""Benchmark: single-compartment BEM on ico-3 (642 vertices, 1280 triangles), neurocourse vs OpenMEEG.

Times, in the same run and on the same mesh, (a) building and solving the BEM system and
(b) the whole MEG lead field for 30 dipoles and 306 point magnetometers, with the default linear
Galerkin scheme (OpenMEEG's is also Galerkin); the centroid-collocation build is timed for
comparison. Prints medians and ratios. Run with ``.venv/bin/python benchmarks/bench_bem.py``.
"""
import numpy as np
from _timing import median_time

from neurocourse.meg.bem import bem_lead_field, bem_model
from neurocourse.meg.mesh import icosphere

SIGMA = 0.3
N_REPEAT = 3


def main():
    import openmeeg as om

    mesh = icosphere(3, 0.09)
    rng = np.random.default_rng(0)
    src = rng.normal(size=(30, 3))
    src = 0.06 * src / np.linalg.norm(src, axis=1)[:, None]
    shell = icosphere(3, 0.12).vertices
    sens = shell[shell[:, 2] > -0.02][:306]
    nrm = sens / np.linalg.norm(sens, axis=1)[:, None]

    def ours_build():
        return bem_model(mesh, SIGMA)

    def ours_build_constant():
        return bem_model(mesh, SIGMA, basis="constant")

    def ours_full():
        return bem_lead_field(bem_model(mesh, SIGMA), src, sens, nrm)

    geom = om.make_nested_geometry([(mesh.vertices.copy(), mesh.triangles.copy())],
                                   conductivity=(SIGMA,))
    integ = om.Integrator(3, 0, 0.005)
    dip = om.Matrix(np.asfortranarray(np.hstack([np.repeat(src, 3, 0),
                                                 np.tile(np.eye(3), (len(src), 1))])))

    def om_build():
        return om.HeadMat(geom, integ).inverse()

    def om_full():
        hminv = om.HeadMat(geom, integ).inverse()
        dsm = om.DipSourceMat(geom, dip, integ, "Brain")
        s = om.make_sensors(sens, nrm)
        return om.GainMEG(hminv, dsm, om.Head2MEGMat(geom, s), om.DipSource2MEGMat(dip, s)).array()

    t_ob, _ = median_time(ours_build, N_REPEAT)
    t_oc, _ = median_time(ours_build_constant, N_REPEAT)
    t_mb, _ = median_time(om_build, N_REPEAT)
    t_of, g_ours = median_time(ours_full, N_REPEAT)
    t_mf, g_om = median_time(om_full, N_REPEAT)
    rel = np.linalg.norm(g_ours - g_om) / np.linalg.norm(g_om)
    print(f"ico-3 mesh: {mesh.n_vertices} vertices, {mesh.n_triangles} triangles; "
          f"{len(src)} dipoles x 3 orientations, {len(sens)} magnetometers")
    print(f"build + solve   neurocourse {t_ob:8.3f} s   OpenMEEG {t_mb:8.3f} s   "
          f"ratio OpenMEEG/neurocourse {t_mb / t_ob:6.2f}")
    print(f"(centroid collocation build + solve {t_oc:8.3f} s, ratio {t_mb / t_oc:6.2f})")
    print(f"full lead field neurocourse {t_of:8.3f} s   OpenMEEG {t_mf:8.3f} s   "
          f"ratio OpenMEEG/neurocourse {t_mf / t_of:6.2f}")
    print(f"relative Frobenius difference of the lead fields (Galerkin vs OpenMEEG): {rel:.2e}")


if __name__ == "__main__":
    main()
