package dev.ferry.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Files outside the module that the tests read: the checked-in CRDs and the examples. */
final class RepoFiles {

  /** The repository root, found from the working directory so tests run alike from Maven and an IDE. */
  static final Path ROOT = findRoot();
  static final Path CRDS = ROOT.resolve("deploy/crds");
  static final Path EXAMPLES = ROOT.resolve("deploy/examples");

  private RepoFiles() {}

  private static Path findRoot() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("api/pom.xml")) && Files.isDirectory(dir.resolve("deploy"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root (a directory with api/pom.xml and deploy/) above " + start);
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * File name to content of every {@code *.yml} file directly in {@code dir} (line ends as LF, whatever
   * the checkout did to them); empty if there is no such directory.
   */
  static Map<String, String> ymlFiles(Path dir) {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (Stream<Path> list = Files.list(dir)) {
      list.filter(f -> f.getFileName().toString().endsWith(".yml"))
          .forEach(f -> files.put(f.getFileName().toString(), read(f).replace("\r\n", "\n")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
