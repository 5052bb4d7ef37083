"""How `make run`'s launcher watches and stops its services (real processes, no service)."""

import subprocess
import sys
import time

from facedetect import launcher

# A service whose main process, on SIGTERM, lets its child finish the job in hand and then
# exits, as Celery's warm shutdown does; the child dies at once if the SIGTERM reaches it.
WARM_SERVICE = """
import os, signal, subprocess, sys, time
job = "import sys, time; time.sleep(1.5); open(sys.argv[1], 'w').write('done')"
child = subprocess.Popen([sys.executable, "-c", job, sys.argv[1]])
def warm(signum, frame):
    child.wait()
    sys.exit(0)
signal.signal(signal.SIGTERM, warm)
open(sys.argv[2], "w").write("ready")
while True:
    time.sleep(0.1)
"""


def test_stopping_lets_a_service_finish_the_job_its_pool_holds(tmp_path):
    done, ready = tmp_path / "done", tmp_path / "ready"
    service = launcher._spawn([sys.executable, "-c", WARM_SERVICE, str(done), str(ready)], {})
    deadline = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    launcher._stop_all([service])
    assert service.returncode == 0
    assert done.read_text() == "done"  # the child was not signalled: its job finished


def test_the_service_that_died_is_named_with_how(tmp_path):
    def run(code: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", code])
        return process

    sleeping = run("import time; time.sleep(30)")
    try:
        assert launcher.first_exited({"beat": sleeping}) is None
        killed = run("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
        failed = run("raise SystemExit(3)")
        killed.wait(10)
        failed.wait(10)
        services = {"beat": sleeping, "the detection worker": killed}
        assert launcher.first_exited(services) == "the detection worker exited (killed by SIGKILL)"
        assert launcher.first_exited({"the embedded Redis": failed}) == (
            "the embedded Redis exited (status 3)"
        )
    finally:
        sleeping.kill()
        sleeping.wait()
