"""The sandbox a student's notebook runs in: Linux namespaces, Landlock, an unprivileged uid, rlimits.

Runs inside the grading worker's child, after ``fork`` and before any student code (see
:mod:`neurocourse.grading.worker`). Two steps, because a PID namespace applies to the children of
the process that creates it:

1. :func:`unshare_namespaces` (in the forked child): new mount, PID, network, IPC and UTS
   namespaces. As root they are created directly; as an unprivileged user inside a new user
   namespace that maps the grader's uid only (``unshare(2)`` through ``ctypes``: ``os.unshare``
   needs Python 3.12). The child then forks once more; the grandchild is pid 1 of the new PID
   namespace, so when it dies every process it started dies with it (setsid'd daemons included).
   As root the zygote can instead fork the child as pid 1 of a fresh PID namespace
   (:func:`pid_namespace_for_next_child`, :func:`restore_pid_namespace`); the child then calls
   ``unshare_namespaces(pid=False)`` and needs no second fork.
2. :func:`lock_down` (in the grandchild): a private ``/proc`` for the new PID namespace, the uid
   switch (as root: ``setgroups([])``, ``setgid``/``setuid`` to an unprivileged id, which drops every
   capability; otherwise the user namespace's capabilities are dropped with ``capset``), resource
   limits (address space, CPU time, file size, core dumps, process count), an allow-listed
   environment, and a Landlock domain (``landlock_create_ruleset`` etc., x86_64/aarch64 syscalls
   444-446): read-only access to the Python installation and the sealed package copy, read-write to
   the child's own folder only, no TCP (ABI >= 4), and no signals or abstract Unix sockets out of
   the domain (ABI >= 6). ``PR_SET_NO_NEW_PRIVS`` is set first, as Landlock requires.

References: ``landlock(7)``, ``user_namespaces(7)``, ``pid_namespaces(7)``, ``unshare(2)``, and the
kernel's Landlock documentation (ABI versions 1-7).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform
import resource
import signal
import sys

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1

_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

# Landlock filesystem rights (landlock.h), with the ABI that introduced them
_FS_EXECUTE = 1 << 0
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_ABI1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_FS_MAKE_CHAR = 1 << 6
_FS_MAKE_BLOCK = 1 << 11
_NET_ALL = 0b11  # BIND_TCP | CONNECT_TCP, ABI 4
_SCOPE_ALL = 0b11  # ABSTRACT_UNIX_SOCKET | SIGNAL, ABI 6
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV

#: The only environment variables a child sees (besides HOME, TMPDIR and MPLCONFIGDIR = its folder).
ENV_ALLOWED = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NEUROCOURSE_GRADING_WORKER": "1",
}


class SandboxUnavailable(OSError):
    """A sandbox mechanism this system does not offer; ``str()`` says which and why."""


@functools.cache
def _libc() -> ctypes.CDLL:
    """The C library, loaded once per process (a forked child inherits it). glibc's soname first:
    ``ctypes.util.find_library`` runs ``ldconfig -p`` in a subprocess and parses its output with
    regular expressions, which cost a zygote ~8 such runs, i.e. milliseconds of CPU, per child."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not glibc (e.g. musl): ask the system where its C library is
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so", use_errno=True)


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise SandboxUnavailable(f"{what} failed: {os.strerror(err)} (errno {err})")
    return ret


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 when Landlock is absent or this is not Linux)."""
    numbers = _SYS_LANDLOCK.get(platform.machine())
    if not sys.platform.startswith("linux") or numbers is None:
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(numbers[0], None, ctypes.c_size_t(0), ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def tune_malloc(mmap_threshold: int = 64 << 20, trim_threshold: int = 512 << 20) -> bool:
    """Let glibc's ``malloc`` serve blocks below ``mmap_threshold`` bytes from the heap and keep up
    to ``trim_threshold`` bytes of freed heap (``mallopt(M_MMAP_THRESHOLD)``, ``M_TRIM_THRESHOLD``).

    For the zygote, before it forks: a short-lived child then reuses the heap pages that its first
    large numpy temporaries faulted in, instead of mapping and faulting fresh pages for every one
    (glibc's default maps blocks from 128 kB up one by one). Measured on the BEM exercise's calls:
    78 -> 51 ms of CPU per child; others unchanged within 1-2 ms. The address-space limit of a
    child still holds (heap and mappings count alike). Returns False where there is no ``mallopt``.
    """
    try:
        mallopt = _libc().mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(-3, int(mmap_threshold))) and bool(mallopt(-1, int(trim_threshold)))


def unshare_namespaces(pid: bool = True) -> None:
    """Step 1, in the child: new mount, PID, network, IPC and UTS namespaces (and user, if not root).

    The caller must fork afterwards: the new PID namespace holds the caller's next child. With
    ``pid=False`` (root only: the caller already is pid 1 of a fresh PID namespace, see
    :func:`pid_namespace_for_next_child`) the other namespaces only, and no fork is needed.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"namespaces need Linux (this is {sys.platform})")
    libc = _libc()
    flags = _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS | (_CLONE_NEWPID if pid else 0)
    if not pid and (os.geteuid() != 0 or os.getpid() != 1):
        raise SandboxUnavailable("unshare_namespaces(pid=False) needs root and pid 1 of a new PID namespace")
    if os.geteuid() == 0:
        _check(libc.unshare(flags), "unshare(mount, pid, net)")
        return
    uid, gid = os.geteuid(), os.getegid()
    _check(libc.prctl(4, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")  # else /proc/self/*_map stay root's
    _check(libc.unshare(flags | _CLONE_NEWUSER), "unshare(user, mount, pid, net)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def own_pid_namespace() -> int | None:
    """A descriptor of this process's PID namespace, for :func:`pid_namespace_for_next_child`
    (root only; None when this is not possible here)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return None
    try:
        return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def pid_namespace_for_next_child(own: int) -> bool:
    """Root's one-fork start of a sandbox: put this process's *next* child alone in a fresh PID
    namespace (``unshare(CLONE_NEWPID)``, which does not move the caller), so that the child is its
    pid 1 without an intermediate process (a second fork of a large zygote costs ~10 ms of CPU).

    Returns False (nothing changed) when the kernel refuses. After the fork the caller **must**
    call :func:`restore_pid_namespace`, else its later children would share that namespace.
    """
    if os.readlink("/proc/self/ns/pid_for_children") != os.readlink(f"/proc/self/fd/{own}"):
        raise SandboxUnavailable("this process's children no longer go to its own PID namespace")
    return _libc().unshare(_CLONE_NEWPID) == 0


def restore_pid_namespace(own: int) -> None:
    """Undo :func:`pid_namespace_for_next_child` (``setns`` to the caller's own PID namespace).

    Raises
    ------
    SandboxUnavailable
        If it cannot be undone; the caller must then exit rather than fork again.
    """
    _check(_libc().setns(own, _CLONE_NEWPID), "setns(own PID namespace)")
    if os.readlink("/proc/self/ns/pid_for_children") != os.readlink(f"/proc/self/fd/{own}"):
        raise SandboxUnavailable("setns did not restore the PID namespace for children")


def _mount_private_proc() -> None:
    libc = _libc()
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    _check(
        libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None),
        "mount proc",
    )


def _hide_home(workdir: str, readable: list[str]) -> None:
    """Mount an empty tmpfs over the grader's home, then bind back the readable paths under it
    (e.g. a Python installed in ~/.pyenv), so that an unprivileged uid can reach them and nothing
    else of the home is there at all."""
    import pwd

    home = os.path.realpath(pwd.getpwuid(os.geteuid()).pw_dir)
    if home in ("/", "") or not os.path.isdir(home):
        return
    inside = [p for p in readable if os.path.realpath(p).startswith(home + os.sep) and os.path.exists(p)]
    libc = _libc()
    stages = []
    for k, path in enumerate(inside):
        stage = os.path.join(workdir, f".bind-{k}")
        os.mkdir(stage)
        _check(libc.mount(os.fsencode(path), os.fsencode(stage), None, _MS_BIND | _MS_REC, None), "bind mount")
        stages.append((stage, os.path.realpath(path)))
    _check(
        libc.mount(b"tmpfs", os.fsencode(home), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=1m"),
        "mount tmpfs over the home folder",
    )
    for stage, path in stages:
        os.makedirs(path, exist_ok=True)
        _check(libc.mount(os.fsencode(stage), os.fsencode(path), None, _MS_BIND | _MS_REC, None), "bind mount")
        _check(libc.umount2(os.fsencode(stage), 2), "umount")  # MNT_DETACH
        os.rmdir(stage)


def _drop_privileges(uid: int) -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from uid 0 to non-zero: the kernel clears every capability
        if os.geteuid() == 0 or os.getuid() == 0:
            raise SandboxUnavailable("could not drop root")
        return
    # an unprivileged grader: the user namespace gave us capabilities over our own namespaces
    number = _SYS_CAPSET.get(platform.machine())
    if number is None:
        raise SandboxUnavailable(f"capset is not known on {platform.machine()}")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (x2): all empty
    libc = _libc()
    _check(libc.syscall(number, header, data), "capset")


def _set_limits(limits: dict) -> None:
    def _set(which: int, soft: int, hard: int | None = None) -> None:
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass

    with open("/proc/self/statm") as f:
        baseline = int(f.read().split()[0]) * resource.getpagesize()
    _set(resource.RLIMIT_AS, baseline + int(limits["memory_bytes"]))
    cpu = int(limits["cpu_seconds"])
    _set(resource.RLIMIT_CPU, cpu, cpu + 5)
    _set(resource.RLIMIT_FSIZE, int(limits["fsize_bytes"]))
    _set(resource.RLIMIT_CORE, 0)
    if "nproc" in limits:
        _set(resource.RLIMIT_NPROC, int(limits["nproc"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit raises OSError instead


def set_environment(workdir: str) -> None:
    """Replace the environment by the allow-list, with HOME, TMPDIR and MPLCONFIGDIR = ``workdir``."""
    os.environ.clear()
    os.environ.update(ENV_ALLOWED)
    os.environ.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=workdir)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]


def _landlock(readable: list[str], writable: list[str], abi: int) -> None:
    create, add_rule, restrict = _SYS_LANDLOCK[platform.machine()]
    fs = _FS_ABI1
    if abi >= 2:
        fs |= _FS_REFER
    if abi >= 3:
        fs |= _FS_TRUNCATE
    if abi >= 5:
        fs |= _FS_IOCTL_DEV
    attr = _RulesetAttr(fs, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    ruleset = _check(
        libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)), "landlock_create_ruleset"
    )
    read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    write = fs & ~(_FS_MAKE_CHAR | _FS_MAKE_BLOCK)
    try:
        for paths, rights in ((readable, read), (writable, write)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # a folder this system does not have
                try:
                    allowed = rights if os.path.isdir(path) else rights & _FILE_RIGHTS
                    rule = _PathBeneath(allowed & fs, fd)
                    _check(
                        libc.syscall(
                            add_rule, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)
                        ),
                        f"landlock_add_rule({path})",
                    )
                finally:
                    os.close(fd)
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(libc.syscall(restrict, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)


#: Read-only system locations a child needs (shared libraries, the interpreter, /dev basics).
SYSTEM_READABLE = (
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
    "/proc",
    "/sys/devices/system/cpu",
)


def lock_down(config: dict) -> None:
    """Step 2, in the grandchild (pid 1 of the new PID namespace), before any student code.

    Raises
    ------
    SandboxUnavailable
        If a step fails; the caller must then not run the notebook.
    """
    abi = landlock_abi()
    if abi < 1:
        raise SandboxUnavailable("Landlock is not available (kernel too old, or not enabled)")
    _mount_private_proc()
    workdir = config["workdir"]
    _hide_home(workdir, list(config["readable"]))
    visible = config.get("visible_workdir")
    if visible and visible != workdir:  # the same path in every run: regrades stay byte-identical
        _check(_libc().mount(os.fsencode(workdir), os.fsencode(visible), None, _MS_BIND, None), "bind mount")
        workdir = visible
    os.chdir(workdir)
    _set_limits(config["limits"])
    _drop_privileges(int(config.get("uid", 65534)))
    set_environment(workdir)
    _landlock([*SYSTEM_READABLE, *config["readable"]], [workdir], abi)


def apply_limits_only(config: dict) -> None:
    """``--no-sandbox``: resource limits and the environment allow-list, nothing else."""
    os.chdir(config["workdir"])
    _set_limits(config["limits"])
    set_environment(config["workdir"])
