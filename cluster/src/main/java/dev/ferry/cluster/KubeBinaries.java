package dev.ferry.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the real control plane's binaries are: etcd, kube-apiserver and kube-controller-manager,
 * built from Go modules by {@code kube/build.sh} into a cache outside the repository.
 *
 * <p>Found from, in order: the environment variable {@code FERRY_KUBE_BIN} (what {@code scripts/test}
 * exports after building), the system property {@code ferry.kube.bin}, or else by running the
 * repository's {@code kube/build.sh} (the repository is {@code FERRY_ROOT} or {@code -Dferry.root}),
 * which does nothing when the binaries are current and builds them, with progress on stderr, when
 * they are not.
 */
public record KubeBinaries(Path dir) {

  public static final String ENV = "FERRY_KUBE_BIN";

  /** The answer of {@link #find} when there are none: why, in one line a user can act on. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message);
    }
  }

  public KubeBinaries {
    for (String name : new String[] {"etcd", "kube-apiserver", "kube-controller-manager"}) {
      if (!Files.isExecutable(dir.resolve(name))) {
        throw new Unavailable(dir + " has no executable " + name + " (build the control plane with kube/build.sh)");
      }
    }
  }

  public Path etcd() {
    return dir.resolve("etcd");
  }

  public Path apiServer() {
    return dir.resolve("kube-apiserver");
  }

  public Path controllerManager() {
    return dir.resolve("kube-controller-manager");
  }

  /**
   * The binaries, building them first if they are not current (minutes, the first time on a
   * machine); throws {@link Unavailable} saying why when that cannot be done here.
   */
  public static KubeBinaries locate() {
    Optional<String> given = setting(ENV, "ferry.kube.bin");
    if (given.isPresent()) {
      return new KubeBinaries(Path.of(given.get()));
    }
    Path root = setting("FERRY_ROOT", "ferry.root").map(Path::of)
        .orElseThrow(() -> new Unavailable("no control plane binaries: set " + ENV + " to the folder kube/build.sh printed"));
    return build(root.resolve("kube/build.sh"));
  }

  private static KubeBinaries build(Path script) {
    if (!Files.isExecutable(script)) {
      throw new Unavailable("no control plane binaries and no " + script + " to build them");
    }
    try {
      Process p = new ProcessBuilder(script.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT) // its progress
          .start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      int code = p.waitFor();
      return switch (code) {
        case 0 -> new KubeBinaries(Path.of(out.lines().reduce((a, b) -> b).orElse("")));
        case 3 -> throw new Unavailable("no Go toolchain on this machine: the real control plane cannot be built (kube/build.sh)");
        default -> throw new Unavailable("kube/build.sh failed with exit code " + code + " (its output is above)");
      };
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while building the control plane");
    }
  }

  private static Optional<String> setting(String env, String property) {
    String v = System.getenv(env);
    if (v == null || v.isBlank()) {
      v = System.getProperty(property);
    }
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }
}
