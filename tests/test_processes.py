"""Processes, signals, pipes and the network: nothing leaks, nothing prints a traceback.

``kill -9`` of a compare leaves no worker behind (process pool and Dask LocalCluster); Ctrl+C
while the workers start prints one line and exits 130; ``aiblocs params`` into a closed pipe
exits quietly; a wrong ``--scheduler`` fails in seconds with one line and no folder. Every wait
is for progress (a line, a file, a process), never a fixed delay.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_checks import cli_error

from aiblocs.viz.server import dashboard_url

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
CLI = [sys.executable, "-c", "import sys; from aiblocs.cli import main; sys.exit(main())"]


def alive_in_session(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes of session ``sid``."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def wait_for(condition, timeout: float = 120.0, what: str = "progress") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.02)


def compare_argv(out: Path, executor: list[str]) -> list[str]:
    return [*CLI, "compare", "--regimes", "open", "containment", "--seeds", "40",
            "--n-adopters", "5000", "--no-progress", "--no-figures", "--out", str(out),
            *executor]  # fmt: skip


EXECUTORS = [["--workers", "2"], ["--dask-local", "2"]]


@pytest.mark.parametrize("executor", EXECUTORS, ids=["pool", "dask"])
def test_kill_9_of_compare_leaves_no_worker(tmp_path, executor):
    if executor[0] == "--dask-local":
        pytest.importorskip("distributed")
    proc = subprocess.Popen(compare_argv(tmp_path / "out", executor), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        # main, the resource tracker and two workers (and a forkserver) are up and working
        wait_for(lambda: (tmp_path / "out" / "manifest.json").exists()
                 and len(alive_in_session(proc.pid)) >= 4, what="workers")  # fmt: skip
        os.kill(proc.pid, signal.SIGKILL)  # the command only: its workers must follow it
        proc.wait()
        wait_for(lambda: alive_in_session(proc.pid) == [], timeout=60, what="end of the workers")
    finally:
        for pid in alive_in_session(proc.pid):  # never leave a process behind, even on failure
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("executor", EXECUTORS, ids=["pool", "dask"])
def test_ctrl_c_while_workers_start_prints_one_line(tmp_path, executor):
    if executor[0] == "--dask-local":
        pytest.importorskip("distributed")
    proc = subprocess.Popen(compare_argv(tmp_path / "out", executor), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert " runs (2 regimes" in proc.stdout.readline()  # the pool starts right after this
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal does: the whole process group
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130 and err == "aiblocs: interrupted\n", err
        wait_for(lambda: alive_in_session(proc.pid) == [], timeout=60, what="end of the workers")
    finally:
        for pid in alive_in_session(proc.pid):
            os.kill(pid, signal.SIGKILL)


def test_output_into_a_closed_pipe_ends_quietly():
    """``aiblocs params | head -1``: the reader goes away; no BrokenPipeError traceback."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    proc = subprocess.run([*CLI, "params"], stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    assert proc.returncode == 141 and proc.stderr == "", proc.stderr


@pytest.fixture
def not_a_scheduler():
    """A port that accepts connections and answers with bytes that are not Dask's protocol."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                conn.sendall(b"\xff" * 64)

    threading.Thread(target=answer, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_wrong_scheduler_fails_fast_with_one_line_and_no_folder(
    tmp_path, capsys, not_a_scheduler
):
    pytest.importorskip("distributed")
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        refused = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
        cases = [(refused, "cannot reach a scheduler there"),
                 (not_a_scheduler, "no Dask scheduler answered")]  # fmt: skip
        for address, fragment in cases:
            out = tmp_path / "out"
            argv = ["compare", "--regimes", "open", "--seeds", "2", "--scheduler", address,
                    "--out", str(out)]  # fmt: skip
            line = cli_error(argv, capsys)
            assert f"--scheduler {address}" in line and fragment in line, line
            assert not out.exists()


def test_a_scheduler_without_workers_is_refused(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=0,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        argv = ["compare", "--regimes", "open", "--seeds", "2", "--scheduler",
                cluster.scheduler_address, "--out", str(tmp_path / "out")]  # fmt: skip
        line = cli_error(argv, capsys)
    assert "has no workers; start some with `dask worker" in line
    assert not (tmp_path / "out").exists()


def test_dashboard_url_is_never_garbled():
    assert dashboard_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert dashboard_url("0.0.0.0", 8765) == "http://127.0.0.1:8765/"
    assert dashboard_url("::", 80) == "http://[::1]:80/"
    assert dashboard_url("::1", 8765) == "http://[::1]:8765/"
    assert dashboard_url("localhost", 1) == "http://localhost:1/"


def test_a_script_without_a_main_guard_gets_told_why_its_workers_died(tmp_path):
    """Workers re-import the main script: an unguarded ensemble names the fix, not a bare crash."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from aiblocs.ensemble import ExperimentSpec, make_executor, run_experiment\n"
        "spec = ExperimentSpec(regimes=('open',), n_seeds=2, overrides={'n_adopters': 100})\n"
        f"run_experiment(spec, {str(tmp_path / 'out')!r}, make_executor(2), progress=False)\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr.splitlines()[-1]
