"""Every message between the grader, its zygote and a sandboxed child, with its fields.

Two channels carry them:

* **grader <-> zygote**: a Unix socket, one JSON object per line. The zygote only forks; it never
  reads a notebook, a case input or a hidden test.

  ========  ==========  ===========================================================================
  name      direction   fields
  ========  ==========  ===========================================================================
  PING      -> zygote   ``op="ping"``
  PONG      <- zygote   ``pong=True``
  SPAWN     -> zygote   ``op="spawn"``, ``config`` (:func:`spawn_config`); two descriptors travel
                        with it (``SCM_RIGHTS``): the child's command pipe (read end) and its result
                        pipe (write end)
  SPAWNED   <- zygote   ``pid`` (the child the zygote forked), ``init`` (the process that runs the
                        student's code: pid 1 of the child's PID namespace, or ``pid`` itself)
  EXITED    <- zygote   ``exited`` (pid), ``code`` (exit status; ``-N`` for signal N)
  TEMPLATE  -> zygote   ``op="template"``, ``package_path`` (a sealed copy), ``modules`` (science
                        modules to import from it); one descriptor travels with it: the template's
                        own socket, on which it then answers PING and SPAWN like the zygote, for
                        that sealed copy only (it refuses others: ``refused``)
  FORKED    <- zygote   ``template`` (its pid); then, on the template's socket, ``ready`` (its pid)
                        once its modules are imported
  ========  ==========  ===========================================================================

* **grader <-> child**: two pipes carrying framed JSON (:func:`neurocourse.grading.serialize.frame`).

  ========  ==========  ===========================================================================
  NOTEBOOK  -> child    ``type="notebook"``, ``cells`` (the code cells' sources, magics commented
                        out, ``skip-grading`` cells left out), ``filename``
  FAILED    <- child    ``type="sandbox_failed"``, ``reason``: the sandbox could not be entered, so
                        nothing of the notebook ran (the grader's start-up probe stops on it)
  READY     <- child    ``type="ready"``, ``cell_errors`` ([[cell, "Type: message"], ...]),
                        ``stopped`` (why the cells stopped early, or None)
  CALLS     -> child    ``type="calls"``, ``phase`` ("public" or "hidden"), ``calls``
                        ([{function, args, kwargs}], values encoded by ``serialize.to_json``)
  OUTCOMES  <- child    ``type="outcomes"``, ``phase``, ``outcomes`` ([{kind, value | error}])
  END       -> child    ``type="end"``
  ========  ==========  ===========================================================================

The grader sends CALLS only after READY, and the hidden phase only after every public outcome of
that child has come back, so a child never holds a hidden input while the student's cells run, and
nothing computed from a hidden input can come back as a public outcome.
"""

from __future__ import annotations

from typing import Any

# grader <-> zygote
PING = "ping"
SPAWN = "spawn"
TEMPLATE = "template"
# grader <-> child
NOTEBOOK = "notebook"
SANDBOX_FAILED = "sandbox_failed"
READY = "ready"
CALLS = "calls"
OUTCOMES = "outcomes"
END = "end"
PHASES = ("public", "hidden")
OUTCOME_KINDS = ("ok", "error", "missing", "unsupported")


class SealedReferenceError(RuntimeError):
    """Raised, inside the sandbox, by a package function that is sealed while an exercise is graded."""


#: How a sealed function's error starts in an outcome (``"SealedReferenceError: ..."``).
SEALED_PREFIX = SealedReferenceError.__name__


def spawn_config(
    *,
    workdir: str,
    visible_workdir: str,
    package_path: str,
    readable: list[str],
    limits: dict[str, int],
    sandbox: bool,
    uid: int = 65534,
) -> dict[str, Any]:
    """The ``config`` of a SPAWN message.

    Parameters
    ----------
    workdir : str
        The child's only writable folder (its working directory, ``HOME`` and ``TMPDIR``).
    visible_workdir : str
        The fixed path where the sandboxed child sees ``workdir`` (a bind mount), so that nothing a
        student can print differs from one run to the next.
    package_path : str
        The sealed copy of the science package the child imports ``neurocourse.<module>`` from.
    readable : list of str
        Folders and files the child may read (the Python installation, the sealed copies).
    limits : dict
        ``memory_bytes``, ``cpu_seconds``, ``fsize_bytes``, ``nproc``.
    sandbox : bool
        False only with ``--no-sandbox``: no namespaces, no Landlock, no uid switch.
    uid : int
        The unprivileged uid a child drops to when the grader runs as root.
    """
    return {
        "workdir": str(workdir),
        "visible_workdir": str(visible_workdir),
        "package_path": str(package_path),
        "readable": [str(p) for p in readable],
        "limits": {k: int(v) for k, v in limits.items()},
        "sandbox": bool(sandbox),
        "uid": int(uid),
    }


def calls_message(phase: str, calls: list[dict]) -> dict:
    """A CALLS message; ``calls`` are ``{"function", "args", "kwargs"}`` with encoded values."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
    return {"type": CALLS, "phase": phase, "calls": calls}
