#!/usr/bin/env python3
"""Sets or reads the scheduling of a running process's threads, by thread name, from outside it.

Used by bench/windows.sh to switch a setting between load windows of one service start, and by
hand to check what the service set (docs/operations.md, "CPU scheduling"). Linux only.

    threads.py PID policy  PREFIX other|batch|idle SCHED_OTHER, SCHED_BATCH or SCHED_IDLE, keeping nice
                                                   and slice
    threads.py PID slice   PREFIX NANOS            the time slice (sched_setattr's sched_runtime, Linux
                                                   6.12+); 0 gives the kernel's back
    threads.py PID affinity PREFIX all|spread|CPUS all: every CPU this tool may use; spread: the
                                                   matching threads, in name order, one CPU each in
                                                   turn; CPUS: a list such as 0-1 or 1
    threads.py PID show    [PREFIX]                 name, policy, nice, slice, CPUs, migrations and
                                                   switches of each matching thread

PREFIX matches the start of a thread's name (/proc/PID/task/TID/comm); '*' matches every thread; a
comma-separated list matches any of its prefixes, and a leading '!' every thread that matches none
(e.g. '!http-nio,forward'). 'java:REGEX' matches the Java threads whose full name (as `jcmd PID
Thread.print` gives it, which pauses the JVM for a moment) REGEX finds, e.g. 'java:seda://audit'.
"""

import ctypes
import os
import re
import struct
import subprocess
import sys

SYS_SCHED_SETATTR = 314  # x86_64
SCHED_ATTR_SIZE = 56
POLICIES = {"other": os.SCHED_OTHER, "batch": os.SCHED_BATCH, "idle": os.SCHED_IDLE}
POLICY_NAMES = {os.SCHED_OTHER: "other", os.SCHED_BATCH: "batch", os.SCHED_IDLE: "idle",
                os.SCHED_FIFO: "fifo", os.SCHED_RR: "rr"}

libc = ctypes.CDLL(None, use_errno=True)


def java_threads(pid, pattern):
    """(name, tid) of the JVM's threads whose Java name the regex finds, from jcmd's thread dump."""
    dump = subprocess.run(["jcmd", str(pid), "Thread.print"], capture_output=True, text=True, check=True).stdout
    found = []
    for match in re.finditer(r'^"(.*?)".*?nid=(0x[0-9a-f]+)', dump, re.M):
        if re.search(pattern, match.group(1)):
            found.append((match.group(1), int(match.group(2), 16)))
    return sorted(found)


def threads(pid, prefix):
    """(name, tid) of the process's threads whose name matches prefix (see above), in name order."""
    if prefix.startswith("java:"):
        return java_threads(pid, prefix[len("java:"):])
    negate = prefix.startswith("!")
    prefixes = tuple(p for p in prefix.lstrip("!").split(",") if p)
    found = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue  # the thread ended meanwhile
        if prefix == "*" or name.startswith(prefixes) != negate:
            found.append((name, int(tid)))
    return sorted(found)


def sched_field(pid, tid, key):
    """A number from /proc/PID/task/TID/sched (e.g. se.slice, se.nr_migrations), or None."""
    try:
        with open(f"/proc/{pid}/task/{tid}/sched") as sched:
            for line in sched:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return int(float(value.strip()))
    except OSError:
        pass
    return None


def switches(pid, tid):
    counts = {}
    try:
        with open(f"/proc/{pid}/task/{tid}/status") as status:
            for line in status:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    key, value = line.split(":")
                    counts[key] = int(value)
    except OSError:
        pass
    return counts.get("voluntary_ctxt_switches", 0), counts.get("nonvoluntary_ctxt_switches", 0)


def set_attr(tid, policy, slice_ns):
    """sched_setattr keeping the thread's nice value (the call sets nice too)."""
    nice = os.getpriority(os.PRIO_PROCESS, tid)
    attr = ctypes.create_string_buffer(
        struct.pack("<IIQiIQQQII", SCHED_ATTR_SIZE, policy, 0, nice, 0, slice_ns, 0, 0, 0, 0))
    if libc.syscall(SYS_SCHED_SETATTR, tid, attr, 0) != 0:
        raise OSError(ctypes.get_errno(), f"sched_setattr({tid}): {os.strerror(ctypes.get_errno())}")


def parse_cpus(text):
    cpus = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    pid, verb = int(argv[1]), argv[2]
    prefix = argv[3] if len(argv) > 3 else "*"
    matched = threads(pid, prefix)
    if verb == "show":
        for name, tid in matched:
            vol, invol = switches(pid, tid)
            print(f"{tid:>8} {name:<28} {POLICY_NAMES.get(os.sched_getscheduler(tid), '?'):<5} "
                  f"nice={os.getpriority(os.PRIO_PROCESS, tid):<3} slice_ns={sched_field(pid, tid, 'se.slice')} "
                  f"cpus={sorted(os.sched_getaffinity(tid))} migrations={sched_field(pid, tid, 'se.nr_migrations')} "
                  f"vol={vol} invol={invol}")
        return
    if len(argv) != 5:
        sys.exit(__doc__)
    if not matched:
        sys.exit(f"no thread of {pid} named {prefix}*")
    value = argv[4]
    if verb == "policy":
        for _, tid in matched:
            # the thread's slice as it is (a custom slice would be lost with 0)
            set_attr(tid, POLICIES[value], sched_field(pid, tid, "se.slice") or 0)
    elif verb == "slice":
        for _, tid in matched:
            set_attr(tid, os.sched_getscheduler(tid), int(value))
    elif verb == "affinity":
        # the CPUs this tool may run on (the same machine or container), not the process's main
        # thread's: an earlier setting may have narrowed that one, and "all" must undo it
        allowed = sorted(os.sched_getaffinity(0))
        for i, (_, tid) in enumerate(matched):
            if value == "all":
                cpus = set(allowed)
            elif value == "spread":
                cpus = {allowed[i % len(allowed)]}
            else:
                cpus = parse_cpus(value)
            os.sched_setaffinity(tid, cpus)
    else:
        sys.exit(__doc__)
    print(f"{verb} {value}: {len(matched)} threads named {prefix}*")


if __name__ == "__main__":
    main(sys.argv)
