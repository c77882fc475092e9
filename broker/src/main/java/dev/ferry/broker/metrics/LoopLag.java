package dev.ferry.broker.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How late a thread runs the tasks it is given: a measuring probe for a loaded machine, off unless
 * {@code -Dferry.looplag.dir=DIR} is set (then nothing here is ever scheduled).
 *
 * <p>Every {@link #PERIOD_MILLIS} a task is scheduled on each watched executor (a Netty event loop,
 * the broker thread); the lateness of each run is the time past its deadline, which is what an
 * I/O event or a timer on that thread waits on top of its own work. Every 10 s the process appends
 * one line per executor to {@code DIR/looplag-<pid>.txt}: that window's runs, the mean and greatest
 * lateness and how many were over 50 ms, 200 ms and 1 s; the whole run's figures are the sum of the
 * lines (the last line of each executor also carries the totals, so a process killed between two
 * writes loses at most 10 s). An executor that has terminated gets its last line and is watched no
 * more.
 */
public final class LoopLag {

  public static final long PERIOD_MILLIS = 100;
  private static final long WRITE_MILLIS = 10_000;
  private static final String DIR = System.getProperty("ferry.looplag.dir");
  private static final List<Probe> probes = new ArrayList<>();
  private static Thread writer;

  private LoopLag() {}

  /** Watches {@code executor} (named {@code name} in the file) when the probe is on; else nothing. */
  public static void watch(String name, ScheduledExecutorService executor) {
    if (DIR == null) {
      return;
    }
    probe(name, executor);
    synchronized (probes) {
      if (writer == null) {
        writer = Thread.ofPlatform().daemon().name("looplag-writer").start(LoopLag::writeEvery10s);
      }
    }
  }

  /** {@link #watch} without the property or the writer: {@code executor}'s figures are in {@link #lines()}. */
  static void probe(String name, ScheduledExecutorService executor) {
    Probe p = new Probe(name, executor);
    synchronized (probes) {
      probes.add(p);
    }
    p.schedule();
  }

  /**
   * One line per probe. A probe whose executor has terminated (a closed loop group, a stopped node)
   * is written this last time, with its whole run, and dropped: a process that starts and stops
   * nodes or fleets does not keep a probe, and a line a window, for each loop it ever had.
   */
  static String lines() {
    StringBuilder out = new StringBuilder();
    synchronized (probes) {
      for (Iterator<Probe> it = probes.iterator(); it.hasNext(); ) {
        Probe p = it.next();
        // Asked before the line is taken: a terminated executor runs no more probe tasks, so the
        // line has all of them.
        boolean gone = p.executor.isTerminated();
        out.append(p.line()).append('\n');
        if (gone) {
          it.remove();
        }
      }
    }
    return out.toString();
  }

  private static void writeEvery10s() {
    Path file = Path.of(DIR, "looplag-" + ProcessHandle.current().pid() + ".txt");
    try {
      Files.createDirectories(file.getParent());
      while (true) {
        Thread.sleep(WRITE_MILLIS);
        Files.writeString(file, lines(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Probe {
    final String name;
    final ScheduledExecutorService executor;
    long deadline;
    // guarded by this: written on the executor, read by the writer
    long runs;
    long sumMicros;
    long maxMicros;
    long over50;
    long over200;
    long over1000;
    long totalRuns;
    long totalMaxMicros;
    long totalOver200;

    Probe(String name, ScheduledExecutorService executor) {
      this.name = name;
      this.executor = executor;
    }

    void schedule() {
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
      try {
        executor.schedule(this::ran, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopped) {
        // the executor is shutting down: the probe ends with it
      }
    }

    void ran() {
      long late = Math.max(0, (System.nanoTime() - deadline) / 1000);
      synchronized (this) {
        runs++;
        sumMicros += late;
        maxMicros = Math.max(maxMicros, late);
        over50 += late > 50_000 ? 1 : 0;
        over200 += late > 200_000 ? 1 : 0;
        over1000 += late > 1_000_000 ? 1 : 0;
      }
      if (!executor.isShutdown()) {
        schedule();
      }
    }

    synchronized String line() {
      totalRuns += runs;
      totalMaxMicros = Math.max(totalMaxMicros, maxMicros);
      totalOver200 += over200;
      String s = String.format("%s %s runs=%d mean_ms=%.1f max_ms=%.1f over50=%d over200=%d over1000=%d"
              + " total_runs=%d total_max_ms=%.1f total_over200=%d",
          Instant.now(), name, runs, runs == 0 ? 0.0 : sumMicros / 1000.0 / runs, maxMicros / 1000.0,
          over50, over200, over1000, totalRuns, totalMaxMicros / 1000.0, totalOver200);
      runs = 0;
      sumMicros = 0;
      maxMicros = 0;
      over50 = 0;
      over200 = 0;
      over1000 = 0;
      return s;
    }
  }
}
