"""Start processes, restart the ones that die and stop them all together."""
import ctypes
import os
import signal
import subprocess
import sys
import time

# A process that ran this long before it died is restarted at once again
STABLE_AFTER = 60
MAX_BACKOFF = 30
STOP_TIMEOUT = 30
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    "Run in the child: get SIGTERM if the supervisor itself is killed"
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Program:
    "A command kept running under a name"

    def __init__(self, name, argv, env=None):
        self.name = name
        self.argv = argv
        self.env = env
        self.process = None
        self.started_at = None
        self.backoff = 1
        self.restart_at = None

    def start(self):
        # A session of its own: the terminal's Ctrl+C reaches only the
        # supervisor, which stops the programs in order
        self.process = subprocess.Popen(
            self.argv, env=self.env, start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == 'linux' else None)
        self.started_at = time.monotonic()
        self.restart_at = None

    def signal(self, signum):
        "Send signum to the program and the processes it forked"
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None


class Supervisor:
    "Keep the programs running until asked to stop"

    def __init__(self, programs, log=print):
        self.programs = programs
        self.log = log
        self.stopping = False

    def start(self):
        for program in self.programs:
            program.start()
            self.log(f"started {program.name} (pid {program.process.pid})")

    def watch(self, interval=0.5):
        "Restart the programs that exit until asked to stop"
        while not self.stopping:
            now = time.monotonic()
            for program in self.programs:
                if program.running or self.stopping:
                    continue
                if program.restart_at is None:
                    # What it forked goes with it before it starts again
                    program.signal(signal.SIGKILL)
                    if now - program.started_at > STABLE_AFTER:
                        program.backoff = 1
                    self.log(f"{program.name} exited with code "
                        f"{program.process.returncode}, restarting in "
                        f"{program.backoff} s")
                    program.restart_at = now + program.backoff
                    program.backoff = min(program.backoff * 2, MAX_BACKOFF)
                elif now >= program.restart_at:
                    program.start()
                    self.log(f"restarted {program.name} "
                        f"(pid {program.process.pid})")
            time.sleep(interval)
        self.stop()

    def ask_stop(self, *args):
        "Make watch() stop the programs; usable as a signal handler"
        self.stopping = True

    def stop(self, timeout=STOP_TIMEOUT):
        "Ask every program to end, then kill those still there after timeout"
        self.stopping = True
        for program in self.programs:
            program.signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for program in self.programs:
            if program.process is None:
                continue
            try:
                program.process.wait(
                    timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                self.log(f"{program.name} did not stop in {timeout} s: "
                    "killed")
                program.signal(signal.SIGKILL)
                program.process.wait()
            else:
                # The processes it forked leave with it
                program.signal(signal.SIGKILL)
        self.log("stopped")
