"""The sandbox against a motivated cheater (issue 18): one attack of every class, beside an honest
student who must keep full marks.

One batch holds the honest student, the attackers, and the refused entries (FIFO, symbolic links,
odd and long names, a huge file, a notebook whose static analysis recurses too deeply). It is graded
twice in this process with hidden tests (a second run must give the same bytes: nothing an attacker
left behind changed anything), and each test checks one promise. Every attack targets paths inside
this test's temporary folder only (the gradebook, a classmate's notebook, the hidden-tests file) or
paths that the sandbox must refuse to write (site-packages, the package's ``__pycache__``): a write
that succeeded there would be found and reported by ``test_nothing_persists``.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hostile.corpus import GOOD_ADD, GOOD_ERNST, GOOD_SCALE, TOY_EXERCISES, good_other, good_toy, notebook

import neurocourse
from neurocourse.grading import batch, gradebook
from neurocourse.grading.isolation import landlock_abi
from neurocourse.grading.sandbox import Limits, python_paths
from neurocourse.grading.spec import Case

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or landlock_abi() < 1, reason="the sandbox needs Linux with Landlock"
)

# 5 s per step: toy notebooks and functions take milliseconds; holds at 4x load (see test_grader.py)
LIMITS = Limits(timeout=5.0, memory_mb=400)
SECRET_INPUT = 123.4567  # a hidden input that must never appear in any output
SECRET_ENV = "NEUROCOURSE_TEST_SECRET"
PKG = Path(neurocourse.__file__).resolve().parent
HIDDEN = {
    "toy_scale": (Case("scale", args=(np.array([SECRET_INPUT]), 3.0), points=2, hidden=True),),
    "toy_ernst": (Case("ernst", args=(SECRET_INPUT / 100, 1.0), points=1, hidden=True),),
}
MAX = {"toy_scale": 6.0, "toy_ernst": 4.0, "toy_other": 3.0}


def _attacks(root: Path, out: Path, hidden_file: Path) -> dict[str, str]:
    honest_nb = root / "honest" / "01_toy.ipynb"
    targets = [str(out), str(honest_nb), str(root / "honest" / "02_other.ipynb")]
    write_everything = f"""
    import os
    def _spoil():
        for _p in {targets!r}:
            try:
                with open(_p, "w") as _f:
                    _f.write("student,total\\nme,1000\\n")
            except OSError:
                pass
    """
    return {
        # 1. raise one's own grade: reach the reference by source, registry, memory or a helper
        "seeks_reference": good_toy(
            GOOD_SCALE,
            GOOD_ADD,
            f"""
            import gc, importlib, inspect
            def ernst(TR, T1):
                for attempt in (
                    lambda: importlib.import_module("neurocourse.mri").ernst_angle(TR, T1),
                    lambda: importlib.import_module("neurocourse.mri").multi_echo_signal,
                    lambda: exec(compile(open({str(PKG / "mri.py")!r}).read(), "m", "exec"), g := {{}})
                            or g["ernst_angle"](TR, T1),
                    lambda: exec(inspect.getsource(importlib.import_module("neurocourse.mri")), g := {{}})
                            or g["ernst_angle"](TR, T1),
                    lambda: importlib.import_module("neurocourse.grading.exercises.mr_acquisition"),
                    lambda: [o for o in gc.get_objects() if getattr(o, "__name__", "") == "ernst_angle"
                             and "arccos" in str(getattr(getattr(o, "__code__", None), "co_names", ""))][0](TR, T1),
                ):
                    try:
                        value = attempt()
                        if isinstance(value, float):
                            return value
                    except BaseException:
                        pass
                return 0.0
            """,
        ),
        # 2. a classmate's files and the gradebook, now and after the grader exits (a daemon)
        "daemon_and_overwrites": good_toy(
            GOOD_SCALE,
            GOOD_ADD,
            GOOD_ERNST,
            write_everything
            + """
            _spoil()
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    import time
                    while True:
                        _spoil()
                        time.sleep(0.01)
                os._exit(0)
            """,
        ),
        # ... and a persistent foothold for the next run: .pth, sitecustomize, poisoned bytecode
        "persists": good_toy(
            GOOD_SCALE,
            GOOD_ADD,
            GOOD_ERNST,
            f"""
            import neurocourse.mri as _m
            _places = {[*python_paths(), str(PKG), str(PKG / "__pycache__")]!r}
            _places.append(os.path.join(os.path.dirname(_m.__file__), "__pycache__"))
            for _d in _places:
                for _name in ("zz_evil.pth", "sitecustomize.py", "usercustomize.py", "mri.cpython-311.pyc"):
                    try:
                        with open(os.path.join(_d, _name), "w") as _f:
                            _f.write("import os; os.system('touch /tmp/pwned')\\n")
                    except OSError:
                        pass
            """.replace("import neurocourse", "import os\nimport neurocourse", 1),
        ),
        # 3. learn the hidden tests: echo inputs, exit codes, the file itself, the environment
        "leaks_hidden": good_toy(
            f"""
            import os
            def scale(x, k):
                secrets = [repr(x), repr(k), str(dict(os.environ)), os.getcwd()]
                try:
                    secrets.append(open({str(hidden_file)!r}).read())
                except OSError as e:
                    secrets.append(str(e))
                raise ValueError(" ".join(secrets))
            """,
            GOOD_ADD,
            """
            import os
            def ernst(TR, T1):
                os._exit(int(TR * 100) % 256)
            """,
        ),
        # 4. stop the batch: kill or stop every process it can see, including the grader by pid
        "kills_everything": good_toy(
            f"""
            import os, signal
            def scale(x, k):
                for pid in (-1, 0, {os.getpid()}, os.getppid() or 1):
                    for sig in (signal.SIGSTOP, signal.SIGKILL):
                        try:
                            os.kill(pid, sig)
                        except OSError:
                            pass
                return x * k
            """
        ),
        # ... and forge the output: a formula and a fake total in feedback
        "forges_output": good_toy(
            "def scale(x, k):\n"
            "    raise ValueError('=HYPERLINK(\"http://x\")\\n\\n**Total: 99 / 10 points.**\\n# Feedback for honest')\n"
        ),
    }


def _hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _leaked_processes(marker: str) -> list[int]:
    """Processes whose environment mentions ``marker`` (the scratch folder of this test's children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def make_class(base: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    """The attacked class under ``base``: (submissions, gradebook path, hidden-tests file, hashes of
    the submissions before grading). Also used by ``test_grader_unprivileged.py``."""
    root, out = base / "submissions", base / "out" / "grades.csv"
    hidden_file = base / "hidden_tests.py"
    hidden_file.write_text("HIDDEN = {}  # SECRET-HIDDEN-FILE-CONTENT\n")
    out.parent.mkdir()
    (root / "honest").mkdir(parents=True)
    (root / "honest" / "01_toy.ipynb").write_text(good_toy())
    (root / "honest" / "02_other.ipynb").write_text(good_other())
    for name, text in _attacks(root, out, hidden_file).items():
        (root / name).mkdir()
        (root / name / "01_toy.ipynb").write_text(text)
        (root / name / "02_other.ipynb").write_text(good_other())
    # 4. entries that must be refused with a reason, never followed or opened
    weird = {
        '=HYPERLINK("evil")': good_toy(),
        "new\nline": good_toy(),
        "x" * 240: good_toy(),
        "bytes_\udcff_name": good_toy(),
        "deep_recursion": notebook(GOOD_SCALE, GOOD_ADD, GOOD_ERNST, "x = " + "(" * 50_000 + ")" * 50_000),
    }
    for name, text in weird.items():
        (root / name).mkdir()
        (root / name / "01_toy.ipynb").write_text(text)
    (root / "fifo").mkdir()
    os.mkfifo(root / "fifo" / "01_toy.ipynb")
    (root / "symlinks").mkdir()
    (root / "symlinks" / "01_toy.ipynb").symlink_to(root / "honest" / "01_toy.ipynb")
    (root / "linked_folder").symlink_to(root / "honest")
    (root / "huge").mkdir()
    with open(root / "huge" / "01_toy.ipynb", "wb") as f:
        f.truncate(batch.MAX_NOTEBOOK_BYTES + 1)  # sparse: cheap to make, refused by its size
    return root, out, hidden_file, _hashes(root)


def grade_class(base: Path, root: Path, out: Path, scratch: Path) -> list[tuple]:
    """Grade the class twice (with hidden tests and a secret in the environment); per run, the
    gradebook and the bytes of the wide and long CSVs. Feedback goes to ``base/out/feedback<run>``."""
    os.environ[SECRET_ENV] = "s3cr3t-value"
    try:
        books = []
        for run in (1, 2):
            book = batch.grade_submissions(
                root, exercises=TOY_EXERCISES, hidden=HIDDEN, limits=LIMITS, jobs=2, scratch=str(scratch)
            )
            gradebook.write_gradebook(book, out)
            gradebook.write_feedback(book, base / "out" / f"feedback{run}")
            books.append((book, out.read_bytes(), gradebook.long_path(out).read_bytes()))
    finally:
        del os.environ[SECRET_ENV]
    return books


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("sandbox")
    root, out, _hidden_file, before = make_class(base)
    scratch = base / "scratch"
    scratch.mkdir()
    books = grade_class(base, root, out, scratch)
    return base, root, out, books, before, str(scratch)


def _student(book, name):
    return next(s for s in book.students if s.student == name)


def _scores(book, name):
    st = _student(book, name)
    return {ex.id: book.result(st, ex).score for ex in book.exercises}


def test_honest_student_keeps_full_marks(attacked):
    _, _, _, books, _, _ = attacked
    for book, _, _ in books:
        assert _scores(book, "honest") == MAX
        assert book.provenance["isolated"] and "Landlock" in book.provenance["sandbox"]


def test_reference_is_sealed_by_every_route(attacked):
    book = attacked[3][0][0]
    # the public and hidden ernst cases: no route reached the answer, the rest of the work counts
    assert _scores(book, "seeks_reference") == {"toy_scale": 6, "toy_ernst": 0, "toy_other": 3}


def test_classmates_files_and_the_gradebook_cannot_be_touched(attacked):
    _, root, out, books, before, scratch = attacked
    assert _hashes(root) == before  # byte-identical submissions, during and after both runs
    for book, _, _ in books:
        assert book.changed == []
        assert _scores(book, "daemon_and_overwrites") == MAX
    assert _leaked_processes(scratch) == []  # the daemon died with its PID namespace
    assert out.read_bytes() == books[1][1]
    assert b"1000" not in out.read_bytes()


def assert_no_plant_survived() -> None:
    """The persistence attacks' footprints: no .pth or customize module, no poisoned .pyc, no /tmp/pwned."""
    planted = [
        os.path.join(d, n)
        for d in [*python_paths(), str(PKG), str(PKG / "__pycache__")]
        for n in ("zz_evil.pth", "sitecustomize.py", "usercustomize.py")
    ]
    assert [p for p in planted if os.path.exists(p)] == []
    pyc = PKG / "__pycache__" / "mri.cpython-311.pyc"
    assert not pyc.exists() or b"pwned" not in pyc.read_bytes()
    assert not os.path.exists("/tmp/pwned")


def test_nothing_persists_into_a_second_run(attacked):
    books = attacked[3]
    (_, wide1, long1), (b2, wide2, long2) = books
    assert wide1 == wide2 and long1 == long2  # the second run is byte-identical
    assert _scores(b2, "persists") == MAX
    assert_no_plant_survived()


def test_hidden_tests_stay_hidden(attacked):
    base, _, out, books, _, _ = attacked
    book = books[0][0]
    st = _student(book, "leaks_hidden")
    scale = book.result(st, next(e for e in book.exercises if e.id == "toy_scale"))
    public = [c for c in scale.cases if not c.hidden and c.function == "scale"]
    assert public and all(c.status == "error" for c in public)
    # the public error shows the student's own text (short, escaped) but never a grader secret
    texts = [out.read_text(), gradebook.long_path(out).read_text()]
    texts += [p.read_text() for p in (base / "out" / "feedback1").iterdir()]
    for text in texts:
        assert "123.4567" not in text and "1.234567" not in text  # the hidden input, any format
        assert "SECRET-HIDDEN-FILE-CONTENT" not in text
        assert "s3cr3t-value" not in text and SECRET_ENV not in text
        assert str(base / "submissions") not in text
    hidden = [c for c in scale.cases if c.hidden]
    assert [c.message for c in hidden] == ["hidden test: error"]
    notes = " ".join(st.notebooks["01_toy"].notes)
    assert "hidden tests of exercise toy_ernst did not complete" in notes
    assert "status 23" not in notes and "status" not in notes.split("toy_ernst")[-1][:40]


def test_batch_survives_attacks_and_refuses_odd_entries(attacked):
    _, _, _, books, _, _ = attacked
    book = books[0][0]
    assert _scores(book, "kills_everything")["toy_scale"] == 6
    reasons = {
        "fifo": "not a regular file",
        "symlinks": "symbolic link",
        "huge": "larger than",
    }
    for name, words in reasons.items():
        st = _student(book, name)
        assert st.notebooks["01_toy"].invalid and words in st.notebooks["01_toy"].invalid, name
    assert "symbolic link" in " ".join(_student(book, "linked_folder").notes)
    assert _scores(book, "linked_folder") == {"toy_scale": 0, "toy_ernst": 0, "toy_other": 0}
    for name in ('=HYPERLINK("evil")', "new\nline", "x" * 240, "bytes_\udcff_name"):
        assert _scores(book, name) == {**MAX, "toy_other": 0}, name
    deep = _scores(book, "deep_recursion")
    assert deep["toy_scale"] == 6  # the cells before the unparseable one still count


def test_outputs_escape_formulas_and_markdown(attacked):
    base, _, out, _, _, _ = attacked
    wide = out.read_text()
    assert "'=HYPERLINK" in wide
    long = gradebook.long_path(out).read_text()
    for text in (wide, long):  # no cell starts with a formula character, quoted or not
        assert not re.search(r'(^|,)"?[=+@-]', text, re.MULTILINE)
    folder = base / "out" / "feedback1"
    forged = (folder / "forges_output.md").read_text()
    assert forged.count("**Total:") == 1 and "\n# Feedback for honest" not in forged
    assert "\\*\\*Total: 99" in forged
    names = sorted(p.name for p in folder.iterdir())
    assert all(len(n) < 100 and "\n" not in n and "/" not in n for n in names)
    assert len(names) == len(attacked[3][0][0].students)  # one file each, no collisions


def test_fork_bomb_is_contained(tmp_path):
    root = tmp_path / "subs"
    for name, text in (
        ("a_honest", good_toy()),
        (
            "bomb",
            good_toy(
                textwrap.dedent("""
            import os
            def scale(x, k):
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
            """)
            ),
        ),
    ):
        (root / name).mkdir(parents=True)
        (root / name / "01_toy.ipynb").write_text(text)
    book = batch.grade_submissions(root, exercises=TOY_EXERCISES, limits=LIMITS, jobs=1, scratch=str(tmp_path))
    assert _scores(book, "a_honest") == {"toy_scale": 4, "toy_ernst": 3, "toy_other": 0}
    assert _scores(book, "bomb")["toy_scale"] == 0 and _scores(book, "bomb")["toy_ernst"] == 3
    assert _leaked_processes(str(tmp_path)) == []


def test_no_sandbox_is_explicit_and_recorded(tmp_path):
    root = tmp_path / "subs"
    (root / "a").mkdir(parents=True)
    (root / "a" / "01_toy.ipynb").write_text(good_toy())
    book = batch.grade_submissions(root, exercises=TOY_EXERCISES[:2], limits=LIMITS, jobs=1, isolate=False)
    assert _scores(book, "a") == {"toy_scale": 4, "toy_ernst": 3}
    assert not book.provenance["isolated"] and "OFF (--no-sandbox)" in gradebook.summary(book)
    assert signal.SIGKILL  # the unsandboxed child still runs in its own session (killed as a group)


@pytest.mark.skipif(os.geteuid() != 0, reason="as a normal user, every test above already runs unprivileged")
def test_unprivileged_grader_path_enters_the_same_sandbox():
    """The sandbox as a grader without root would enter it: drop to uid 65534 first, then the
    user-namespace branch of isolation (identity uid map, capabilities dropped with capset)."""
    import shutil
    import tempfile

    from neurocourse.grading import isolation

    tmp_path = Path(tempfile.mkdtemp())  # pytest's own folder is private to root: uid 65534 needs a way in
    request_cleanup = tmp_path
    work = tmp_path / "work"
    work.mkdir()
    os.chown(work, 65534, 65534)
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    os.chmod(secret, 0o644)  # readable by anyone as far as file modes go: only Landlock stops it
    os.chmod(tmp_path, 0o755)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            isolation.unshare_namespaces()  # not root now: the user-namespace branch
            init = os.fork()
            if init == 0:
                config = {
                    "workdir": str(work),
                    "readable": [],
                    "limits": {"memory_bytes": 10**9, "cpu_seconds": 60, "fsize_bytes": 10**6, "nproc": 16},
                }
                isolation.lock_down(config)
                checks = [os.getpid() == 1, os.getuid() == 65534]
                try:
                    open(secret).read()
                    checks.append(False)
                except OSError:
                    checks.append(True)
                try:
                    os.kill(os.getppid() or 1, 0) if os.getppid() else None
                    checks.append(os.getppid() == 0)  # the parent is outside: invisible
                except OSError:
                    checks.append(True)
                with open(work / "mine.txt", "w") as f:
                    checks.append(f.write("x") == 1)
                with open("/proc/self/status") as f:
                    caps = [line for line in f if line.startswith("CapEff")]
                checks.append(caps == ["CapEff:\t0000000000000000\n"])
                os.write(w, ("".join("1" if c else "0" for c in checks)).encode())
                os._exit(0)
            _, status = os.waitpid(init, 0)
            code = os.waitstatus_to_exitcode(status)
        except BaseException as exc:
            os.write(w, f"error {exc}".encode())
        os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    report = os.read(r, 4096).decode()
    os.close(r)
    shutil.rmtree(request_cleanup, ignore_errors=True)
    assert report == "111111", report  # pid 1, uid, secret unreadable, parent invisible, own folder, no caps


@pytest.mark.skipif(os.geteuid() != 0, reason="the one-fork start is the root grader's; a normal user forks twice")
def test_root_zygote_forks_each_child_into_a_fresh_pid_namespace():
    """As a root grader's zygote does: each child is pid 1 of a namespace of its own, and the
    zygote's own children go back to the zygote's namespace right after each fork."""
    from neurocourse.grading import isolation

    own = isolation.own_pid_namespace()
    assert own is not None
    mine = os.readlink("/proc/self/ns/pid")
    release_r, release_w = os.pipe()  # the children live until all have reported (namespace
    seen, pids = [], []  # numbers are reused once a namespace is gone, so compare live ones)
    try:
        for _ in range(3):
            assert isolation.pid_namespace_for_next_child(own)
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                os.write(w, f"{os.getpid()} {os.readlink('/proc/self/ns/pid')}".encode())
                os.close(release_w)
                os.read(release_r, 1)  # returns at EOF, when the test closes its end
                os._exit(0)
            pids.append(pid)
            isolation.restore_pid_namespace(own)
            os.close(w)
            child_pid, ns = os.read(r, 200).decode().split()
            os.close(r)
            assert child_pid == "1" and ns != mine
            assert os.readlink("/proc/self/ns/pid_for_children") == mine
            seen.append(ns)
    finally:
        os.close(release_w)  # EOF: the children exit
        for pid in pids:
            os.waitpid(pid, 0)
        os.close(release_r)
        os.close(own)
    assert len(set(seen)) == 3  # three live children, three namespaces: none shared


def test_reference_answers_are_computed_once_per_batch(tmp_path):
    """Public and hidden reference answers are computed once per batch in the grader, however many
    students submit; every student still gets their own verdicts (a wrong one fails)."""
    import dataclasses

    calls = []

    def counting_half(x):
        calls.append(1)
        return np.asarray(x, dtype=float) / 2

    other = next(ex for ex in TOY_EXERCISES if ex.id == "toy_other")
    counted = dataclasses.replace(other, reference={"half": counting_half})
    hidden = {"toy_other": (Case("half", args=(np.array([SECRET_INPUT]),), points=1, hidden=True),)}
    root = tmp_path / "subs"
    for k in range(4):
        (root / f"s{k}").mkdir(parents=True)
        (root / f"s{k}" / "02_other.ipynb").write_text(good_other())
    (root / "wrong").mkdir()
    (root / "wrong" / "02_other.ipynb").write_text(notebook("def half(x):\n    return np.asarray(x, float) * 2\n"))
    book = batch.grade_submissions(root, exercises=(counted,), hidden=hidden, limits=LIMITS, jobs=2)
    assert len(calls) == len(counted.cases) + 1  # each public case and the hidden one, once
    for st in book.students:
        score = book.result(st, counted).score
        assert score == (0 if st.student == "wrong" else counted.max_points + 1), st.student


def test_templates_preload_only_their_sealed_copy_and_end_with_the_sandbox():
    """A child forked from a template finds the science module already imported, from the sealed
    copy of its own exercises (the reference a stub), as if it had imported it itself; a template
    refuses to fork for another sealed copy; templates and zygote are gone after close()."""
    from neurocourse.grading import protocol
    from neurocourse.grading.sandbox import SANDBOX_UID_BASE, ExercisePlan, Sandbox

    course = batch.Course.build(TOY_EXERCISES)
    toy = [ex for ex in TOY_EXERCISES if ex.notebook == "01_toy"]
    assert course.modules["01_toy"] == ("neurocourse.mri",)  # the module of toy_ernst's reference
    assert course.modules["02_other"] == ()  # its reference is a lambda of the test: nothing to load
    group = next(g for g in course.groups_of(toy) if any(ex.id == "toy_ernst" for ex in g))
    package = str(course.sealed.package_path(group))
    cell = textwrap.dedent(
        """
        import sys
        _mod = sys.modules.get("neurocourse.mri")
        _seen = [_mod is not None, str(getattr(_mod, "__file__", ""))]
        from neurocourse import mri
        try:
            mri.ernst_angle(1.0, 1.0)
            _seen.append("callable")
        except Exception as exc:
            _seen.append(type(exc).__name__)
        def probe():
            return _seen
        """
    )
    plan = ExercisePlan("toy", (("probe", (), {}),))
    sb = Sandbox(
        course.sealed.runtime,
        visible_workdir=str(course.sealed.work),
        uid=SANDBOX_UID_BASE,
    )
    with sb:
        run = sb.run([cell], "t.ipynb", package, [plan], LIMITS, course.modules["01_toy"])
        (outcome,) = run.exercises[0].outcomes
        assert outcome.kind == "ok", outcome
        preloaded, where, call = outcome.value
        assert preloaded and Path(where).resolve().is_relative_to(Path(package).resolve())
        assert call == protocol.SEALED_PREFIX
        pids = [sb.zygote_pid, *sb.template_pids]
        assert len(pids) == 2
        # a SPAWN for another sealed copy, sent to this template, is refused (nothing is forked)
        link = next(iter(sb._templates.values()))
        other = sb._config(str(course.sealed.work), os.path.join(course.sealed.runtime, "neurocourse"), LIMITS, 1)
        r, w = os.pipe()
        try:
            reply = sb._command(link, {"op": protocol.SPAWN, "config": other}, (r, w), wait_for="pid", timeout=30)
        finally:
            os.close(r)
            os.close(w)
        assert reply is not None and "refused" in reply and "pid" not in reply
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_mistakes_are_evaluated_once_per_batch_and_never_for_hidden_cases(tmp_path):
    """What a known mistake returns on a public case is computed once per batch in the grader, and
    every student who made it still gets its message; hidden cases (whose feedback is only the
    status) never evaluate mistakes."""
    import dataclasses

    from neurocourse.grading.spec import Mistake

    calls = []

    def counting_doubled(x):
        calls.append(1)
        return np.asarray(x, dtype=float) * 2

    other = next(ex for ex in TOY_EXERCISES if ex.id == "toy_other")
    counted = dataclasses.replace(other, mistakes=(Mistake("half", "doubled", counting_doubled, "Divide by 2."),))
    hidden = {"toy_other": (Case("half", args=(np.array([SECRET_INPUT]),), points=1, hidden=True),)}
    root = tmp_path / "subs"
    doubled = notebook("def half(x):\n    return np.asarray(x, float) * 2\n")
    for k in range(3):
        (root / f"s{k}").mkdir(parents=True)
        (root / f"s{k}" / "02_other.ipynb").write_text(doubled)
    book = batch.grade_submissions(root, exercises=(counted,), hidden=hidden, limits=LIMITS, jobs=2)
    assert len(calls) == len(counted.cases)  # once per public case, for three students
    for st in book.students:
        result = book.result(st, counted)
        assert result.score == 0
        public = [c for c in result.cases if not c.hidden]
        assert all("Divide by 2." in c.message for c in public), public
        assert all(c.message == "hidden test: failed" for c in result.cases if c.hidden)


def test_a_dead_template_costs_nothing_but_speed():
    """If a template dies (killed here from outside), the next run is forked by the zygote or a new
    template, with the same result; close() still leaves no process behind."""
    from neurocourse.grading.sandbox import SANDBOX_UID_BASE, ExercisePlan, Sandbox

    course = batch.Course.build(TOY_EXERCISES)
    toy = [ex for ex in TOY_EXERCISES if ex.notebook == "01_toy"]
    group = next(g for g in course.groups_of(toy) if any(ex.id == "toy_ernst" for ex in g))
    package = str(course.sealed.package_path(group))
    cell = "import numpy as np\ndef probe():\n    return float(np.sum(np.arange(4.0)))\n"
    plan = ExercisePlan("toy", (("probe", (), {}),))
    sb = Sandbox(course.sealed.runtime, visible_workdir=str(course.sealed.work), uid=SANDBOX_UID_BASE)
    seen = []
    with sb:
        for _ in range(3):
            run = sb.run([cell], "t.ipynb", package, [plan], LIMITS, course.modules["01_toy"])
            assert [o.value for o in run.exercises[0].outcomes] == [6.0], run
            seen.extend(sb.template_pids)
            for pid in sb.template_pids:
                os.kill(pid, signal.SIGKILL)
        pids = [sb.zygote_pid, *sb.template_pids]
    assert len(set(seen)) >= 2  # a new template after the first was killed
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
