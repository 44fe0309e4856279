#!/usr/bin/env python3
"""The terminal UI as a user runs it, in a pseudo-terminal (140x45): the time to its first
frame, then its CPU while the traffic step's traffic runs (10 s, no keys pressed).

    python3 bench/tui.py [BIN]     # BIN: a meshwalk binary (default ./target/debug/meshwalk)

It presses Enter through the walkthrough up to the traffic step (chapter 1): Enter runs a step
and shows its Result, Enter again moves on (an info step moves on at once), so the embedded
cloud, the data plane, the load generator (50 req/s by default) and the UI all run. Only the
embedded cloud's 127.0.0.1 ports are used; the state directory is a temporary one.
"""
import os, pty, select, shutil, struct, sys, tempfile, time, fcntl, termios

# Step 1 (info) moves on at once; steps 2-17 run, then move on; step 18 starts the traffic.
INFO_STEPS = 1
RUN_STEPS = 16
binary = sys.argv[1] if len(sys.argv) > 1 else "./target/debug/meshwalk"
state = tempfile.mkdtemp()
env = dict(os.environ, MESHWALK_STATE_DIR=state, RUST_LOG="meshwalk=debug", TERM="xterm-256color")
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "--reset"], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 140, 0, 0))
drawn = 0


def drain(seconds):
    """Reads what the UI draws for `seconds` (a pseudo-terminal nobody reads would block it)."""
    global drawn
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if ready:
            try:
                drawn += len(os.read(fd, 65536))
            except OSError:
                return


def cpu_ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


try:
    drain(2)
    for _ in range(INFO_STEPS):
        os.write(fd, b"\r")
        drain(0.5)
    for _ in range(RUN_STEPS):
        os.write(fd, b"\r")  # run it: its Result shows
        drain(1)
        os.write(fd, b"\r")  # on to the next step
        drain(0.2)
    os.write(fd, b"\r")  # the traffic step
    drain(1)
    drain(3)
    ticks, bytes_before = cpu_ticks(), drawn
    drain(10)
    ticks, drawn_in_10s = cpu_ticks() - ticks, drawn - bytes_before
    os.write(fd, b"q")
    drain(2)
    os.waitpid(pid, 0)
    log = open(os.path.join(state, "meshwalk.log")).read().splitlines()
    first = next((l.split("ms=")[1] for l in log if "first frame" in l), "?")
    hz = os.sysconf("SC_CLK_TCK")
    print(f"{binary}: first frame {float(first):.0f} ms; with traffic, "
          f"{100 * ticks / hz / 10:.1f}% of one core over 10 s ({drawn_in_10s} bytes drawn)")
    if drawn_in_10s == 0:
        sys.exit("error: nothing was drawn while traffic should have run")
finally:
    shutil.rmtree(state, ignore_errors=True)
