#!/usr/bin/env python3
"""What sets a one-connection load's p99: the response intervals of a scheduler trace, and the stalls among them.

With one connection, wrk sends the next request as soon as it has read an answer, so the time between
two of its wake-ups is one request's latency as the client sees it. wrk reports its percentiles after
its correction for coordinated omission (wrk.c's `stats_correct`: every latency of at least twice the
mean interval adds samples at that latency minus one, two, ... intervals), so a few long stalls a
second set its p99 however fast the other requests are. This prints both from the trace, then every
interval over STALL_MS by what overlaps it: a GC pause or other VM operation, a request thread or wrk
runnable but not running, a request thread on the CPU for more than a millisecond, or something else.

    perf sched record -a -o sched.data -- sleep 18         # inside a one-connection window (compare.sh:
    perf sched timehist -i sched.data --state -w > th.txt  #   CACHED_CLIENTS="1 1 1")
    bench/stalls.py th.txt [STALL_MS=1.5]

Thread names are those the service's JVM gives (`http-nio-*` for Tomcat's request threads, `VM Thread`
and `GC Thread#N` for a pause) and the load client's (`wrk`). Intervals that span a change of wrk's
process (between two windows) are dropped.
"""

import collections
import re
import sys

STINT = re.compile(r'\s*([\d.]+)\s+\[(\d+)\]\s+(.+?)\[(\d+)(?:/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S)')
WAKE_WRK = re.compile(r'awakened: wrk\[(\d+)(?:/(\d+))?\]')


def read(path):
    """Wake-ups of wrk (time, process) and three lists of (start, end) seconds from the trace's stints."""
    wakes, vm, waiting, running = [], [], [], []
    with open(path) as trace:
        for line in trace:
            woke = WAKE_WRK.search(line)
            if woke:
                wakes.append((float(line.split()[0]), woke.group(2) or woke.group(1)))
                continue
            stint = STINT.match(line)
            if not stint:
                continue
            end, name = float(stint.group(1)), stint.group(3).strip()
            run, delay = float(stint.group(8)) / 1000, float(stint.group(7)) / 1000
            start = end - run
            if name.startswith(('VM Thread', 'GC Thread')):
                vm.append((start, end, name))
            if name.startswith(('http-nio', 'wrk')):
                waiting.append((start - delay, start, re.sub(r'[-_.]?\d+$', '', name)))
                running.append((start, end, name))
    return wakes, vm, waiting, running


def percentiles(counts, points):
    """The values (ms) at the given percentiles of a Counter of microseconds."""
    total, values, out = sum(counts.values()), sorted(counts), []
    for point in points:
        target, seen = total * point / 100, 0
        for value in values:
            seen += counts[value]
            if seen >= target:
                out.append(value / 1000)
                break
    return out


def corrected(counts, expected):
    """wrk's stats_correct applied to a Counter of microseconds."""
    out = collections.Counter(counts)
    for value, count in counts.items():
        if value >= 2 * expected:
            added = value - expected
            while added > expected:
                out[added] += count
                added -= expected
    return out


def overlap(spans, start, end):
    return [(min(end, b) - max(start, a), rest) for a, b, *rest in spans if a < end and b > start]


def cause(start, end, vm, waiting, running):
    if sum(t for t, _ in overlap(vm, start, end)) > 0.0005:
        return 'a GC pause or VM operation (its threads on the CPU > 0.5 ms)'
    waits = [(t, rest[0]) for t, rest in overlap(waiting, start, end) if t > 0.0005]
    if waits:
        return f'runnable, not running > 0.5 ms: {max(waits)[1]}'
    if any(t > 0.001 and rest[0].startswith('http-nio') for t, rest in overlap(running, start, end)):
        return 'a request thread on the CPU > 1 ms'
    return 'other (wrk on the CPU, the kernel, a lock)'


def main():
    path = sys.argv[1]
    stall = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0015
    wakes, vm, waiting, running = read(path)
    intervals = [(a, b) for (a, pa), (b, pb) in zip(wakes, wakes[1:]) if pa == pb]
    counts = collections.Counter(int(round((b - a) * 1e6)) for a, b in intervals)
    expected = int(sum((b - a) for a, b in intervals) * 1e6 / len(intervals))
    print(f'{len(intervals)} responses over {wakes[-1][0] - wakes[0][0]:.1f} s, a mean interval of {expected} us')
    print('p50 / p90 / p99 / p99.9 ms, as traced:  ', percentiles(counts, (50, 90, 99, 99.9)))
    print('the same after wrk\'s correction:        ', percentiles(corrected(counts, expected), (50, 90, 99, 99.9)))
    causes, spent = collections.Counter(), collections.Counter()
    for a, b in intervals:
        if b - a > stall:
            reason = cause(a, b, vm, waiting, running)
            causes[reason] += 1
            spent[reason] += (b - a) * 1000
    print(f'{sum(causes.values())} intervals over {stall * 1000:.1f} ms, {sum(spent.values()):.0f} ms in all:')
    for reason, count in causes.most_common():
        print(f'  {count:4d} {spent[reason]:7.1f} ms  {reason}')


if __name__ == '__main__':
    main()
