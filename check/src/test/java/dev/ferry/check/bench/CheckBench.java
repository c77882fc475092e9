package dev.ferry.check.bench;

import dev.ferry.check.CheckOptions;
import dev.ferry.check.CheckResult;
import dev.ferry.check.Checker;
import dev.ferry.check.Skipped;
import dev.ferry.check.YamlInput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The benchmark of {@code ferry check} on large inputs (docs/check.md): writes a file of realistic
 * manifests of the given size, checks it the way the CLI does (streamed into a {@link Checker}), and
 * prints the time, the objects and findings, and the peak heap and resident set.
 *
 * <pre>scripts/bench-check 5 50 200     # sizes in MB</pre>
 *
 * <p>The manifests are what a cluster of many teams holds: per app a Deployment (sometimes a
 * LosslessDeployment) of an app container and a sidecar, with probes, env, resources, some with a
 * preStop and some without; a Service selecting it (some LoadBalancers with externalTrafficPolicy
 * Local); an Ingress for some; ConfigMaps, which are skipped. Apps are spread over namespaces and
 * share label keys ({@code app}, {@code team}, {@code tier}), so a selector's labels each match many
 * workloads: the index must intersect, not just look one label up.
 */
public final class CheckBench {
  private CheckBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createDirectories(Path.of(System.getProperty("bench.dir", "target/bench")));
    for (String a : args) {
      long mb = Long.parseLong(a);
      Path file = dir.resolve("manifests-" + mb + "mb.yaml");
      if (!Files.exists(file) || Files.size(file) < mb * 1_000_000) {
        write(file, mb * 1_000_000);
      }
      run(file);
    }
  }

  static void run(Path file) throws Exception {
    System.gc();
    long start = System.nanoTime();
    Checker checker = new Checker(CheckOptions.defaults());
    List<Skipped> skipped = YamlInput.read(List.of(file.toString()), false, System.in, checker::accept);
    CheckResult r = checker.result(skipped);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%s: %.0f MB, %d objects checked, %d skipped, %d findings: %.1f s, peak heap %d MB, "
            + "peak RSS %d MB%n", file.getFileName(), Files.size(file) / 1e6, r.checked().size(), r.skipped().size(),
        r.findings().size(), seconds, peakHeapMb(), peakRssMb());
  }

  static long peakHeapMb() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak >> 20;
  }

  /** VmHWM of /proc/self/status: the most memory the process has held; -1 off Linux. */
  static long peakRssMb() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return -1;
    }
    return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmHWM:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) >> 10).findFirst().orElse(-1);
  }

  static void write(Path file, long bytes) throws IOException {
    Random random = new Random(42);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      long written = 0;
      for (int app = 0; written < bytes; app++) {
        String docs = Manifests.app(app, random);
        w.write(docs);
        written += docs.getBytes(StandardCharsets.UTF_8).length;
      }
    }
  }
}
