package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.crd.GenerateCrds;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRDs in deploy/crds/ are what users apply, so they must be exactly what the generator makes of
 * the Java model today.
 *
 * <p>The test runs the generator itself, through the Java API the Maven plugin wraps, instead of
 * reading the plugin's output: that way it never compares against output left over from an earlier
 * build, whether it runs from {@code mvn verify}, {@code mvn surefire:test} or an IDE. A second test
 * checks that the plugin's output (what ships in the jar and what scripts/update-crds copies) is the
 * same, so the two ways cannot drift apart.
 */
class CrdsUpToDateTest {

  private static final String HOW_TO_FIX = "Run scripts/update-crds and commit deploy/crds/.";

  @TempDir
  Path generated;

  @BeforeEach
  void generate() {
    // The generator as the build runs it (api/pom.xml runs GenerateCrds at process-classes).
    GenerateCrds.generator(generated.toFile()).generate();
  }

  @Test
  void checkedInCrdsAreWhatTheGeneratorMakesOfTheModelNow() {
    List<String> differences = differences(RepoFiles.ymlFiles(generated), RepoFiles.ymlFiles(RepoFiles.CRDS));

    assertThat(differences)
        .as("deploy/crds/ is stale: it differs from the CRDs generated from the classes in api/. " + HOW_TO_FIX)
        .isEmpty();
  }

  @Test
  void theBuildMakesTheSameCrdsAsThisTest() throws URISyntaxException {
    Path classes = Path.of(LosslessDeployment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path pluginOutput = classes.resolve("META-INF/fabric8");
    assumeTrue(Files.isDirectory(pluginOutput),
        "no output of the build's GenerateCrds in " + pluginOutput + " (not built by Maven)");

    List<String> differences = differences(RepoFiles.ymlFiles(generated), RepoFiles.ymlFiles(pluginOutput));

    assertThat(differences)
        .as("the build's CRDs (GenerateCrds at process-classes, api/pom.xml) differ from this test's: "
            + "the jar was built from other classes; build again")
        .isEmpty();
  }

  /** One line per file that is missing, unexpected or different, naming the first differing line. */
  private static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
    List<String> differences = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(actual.keySet());
    for (String name : names) {
      String want = expected.get(name);
      String have = actual.get(name);
      if (have == null) {
        differences.add(name + ": missing");
      } else if (want == null) {
        differences.add(name + ": not generated from any custom resource class");
      } else if (!want.equals(have)) {
        differences.add(name + ": " + firstDifference(want, have));
      }
    }
    return differences;
  }

  private static String firstDifference(String expected, String actual) {
    String[] want = expected.split("\n", -1);
    String[] have = actual.split("\n", -1);
    int line = 0;
    while (line < want.length && line < have.length && want[line].equals(have[line])) {
      line++;
    }
    String wantLine = line < want.length ? want[line].strip() : "<end of file>";
    String haveLine = line < have.length ? have[line].strip() : "<end of file>";
    return "line " + (line + 1) + " should be '" + wantLine + "' but is '" + haveLine + "'";
  }
}
