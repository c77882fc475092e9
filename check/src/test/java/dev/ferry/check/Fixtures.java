package dev.ferry.check;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** Reads the YAML fixtures under src/test/resources/fixtures and checks them. */
final class Fixtures {
  private Fixtures() {}

  static Path path(String name) {
    try {
      var url = Fixtures.class.getResource("/fixtures/" + name);
      if (url == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static CheckInput read(String... names) throws InputException {
    return YamlInput.read(java.util.Arrays.stream(names).map(n -> path(n).toString()).toList(), System.in);
  }

  static CheckResult check(String... names) throws InputException {
    return Checker.check(read(names), CheckOptions.defaults());
  }

  /** A YAML text, as if it were a file named {@code name}. */
  static CheckInput parse(String name, String yaml) throws InputException {
    var entries = new java.util.ArrayList<CheckInput.Entry>();
    var skipped = new java.util.ArrayList<Skipped>();
    YamlInput.parse(name, yaml, entries, skipped);
    return new CheckInput(entries, skipped);
  }

  static List<Risk> risks(CheckResult r) {
    return r.findings().stream().map(Finding::risk).toList();
  }
}
