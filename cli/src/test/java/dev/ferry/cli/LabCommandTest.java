package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry lab compare} checks every flag before anything starts, and an error names the flag. */
class LabCommandTest {
  @TempDir Path dir;

  static ClusterCommandsTest.Run compare(String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "lab";
    full[1] = "compare";
    System.arraycopy(args, 0, full, 2, args.length);
    return ClusterCommandsTest.run(full);
  }

  @Test
  void aFlagOutOfRangeIsNamed() {
    assertThat(compare("--protocol", "7").err()).isEqualTo("ferry lab compare: error: --protocol must be 5 or 3.1.1, was 7\n");
    assertThat(compare("--nodes", "0").err()).isEqualTo("ferry lab compare: error: --nodes must be at least 1, was 0\n");
    assertThat(compare("--request-rate", "9000").err())
        .isEqualTo("ferry lab compare: error: --request-rate must be in (0, 5000], was 9000.0\n");
    assertThat(compare("--drain-parallel", "20").code()).isEqualTo(2);
    assertThat(compare("--scenarios", "nope").err()).startsWith("ferry lab compare: error: ").contains("nope");
  }

  @Test
  void tooFewBrokerPodsForTheClientsIsRefusedWithTheCountThatFits() {
    long max = dev.ferry.lab.fleet.OpenFileBudget.ofThisProcess().max();
    int clients = (int) Math.min(1_000_000, 3 * dev.ferry.lab.scenario.BrokerPods.capacity(max) + 1);
    var r = compare("--clients", Integer.toString(clients), "--nodes", "3", "--scenarios", "ferry");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("ferry lab compare: error: --nodes 3: ")
        .endsWith("use --nodes " + dev.ferry.lab.scenario.BrokerPods.needed(clients, max) + " or more\n");
    assertThat(r.out()).as("nothing ran").isEmpty();
  }

  @Test
  void aProgressLineFitsTheTerminal() {
    String line = "[ferry]  12s  2000 clients connected  nodes {mqtt-a=700, mqtt-b=650, mqtt-c=650}  DRAINING: evicting";
    assertThat(LabCommand.Compare.fit(line, 200)).isEqualTo(line);
    assertThat(LabCommand.Compare.fit(line, 60)).hasSize(60).endsWith("…").startsWith("[ferry]  12s  2000 clients");
  }

  @Test
  void aReportFolderThatCannotBeWrittenStopsTheRunBeforeItStarts() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "");
    var r = compare("--report", file.resolve("report").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("ferry lab compare: error: --report " + file.resolve("report") + ": cannot be made");
    assertThat(r.out()).as("nothing ran").isEmpty();
  }
}
