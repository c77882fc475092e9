package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.EmqxProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry broker}'s EMQX flags: what they make of the profile, and one-line errors with exit 2. */
class BrokerCommandTest {

  @TempDir Path dir;

  private static final String[] REQUIRED = {"--name", "emqx@127.0.0.1", "--api-key", "key:secret"};

  static BrokerCommand parse(String... args) {
    BrokerCommand cmd = new BrokerCommand();
    String[] full = new String[REQUIRED.length + args.length];
    System.arraycopy(REQUIRED, 0, full, 0, REQUIRED.length);
    System.arraycopy(args, 0, full, REQUIRED.length, args.length);
    new CommandLine(cmd).parseArgs(full);
    return cmd;
  }

  /** Runs {@code ferry broker} with options that must fail before any listener starts. */
  static String[] fail(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Ferry.commandLine().setErr(new PrintWriter(err));
    String[] full = new String[REQUIRED.length + args.length + 1];
    full[0] = "broker";
    System.arraycopy(REQUIRED, 0, full, 1, REQUIRED.length);
    System.arraycopy(args, 0, full, REQUIRED.length + 1, args.length);
    int code = cl.execute(full);
    return new String[] {String.valueOf(code), err.toString()};
  }

  @Test
  void theDialectPicksAVersionAndTheVersionADialect() {
    assertThat(parse().profile().version()).isEqualTo("5.10.4");
    assertThat(parse().profile().evictionSlices()).isEqualTo(1);
    assertThat(parse().config().maxConnections()).as("EMQX's default: infinity").isZero();
    assertThat(parse("--max-connections", "19000").config().maxConnections()).isEqualTo(19000);
    assertThat(parse("--api-dialect", "v4").profile().version()).isEqualTo("4.4.24");
    EmqxProfile old = parse("--emqx-version", "5.8.1", "--edition", "Opensource").profile();
    assertThat(old.hasNodeEvacuation()).isFalse();
    assertThat(parse("--emqx-version", "4.4.20").profile().dialect()).isEqualTo(EmqxProfile.Dialect.V4);
    assertThat(parse("--improve", "even-rebalance,ready-after-routes").profile().improvements())
        .containsExactlyInAnyOrder(EmqxProfile.Improvement.EVEN_REBALANCE, EmqxProfile.Improvement.READY_AFTER_ROUTES);
  }

  @Test
  void tlsFilesBecomeTheApisCertificate() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Path key = Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    EmqxProfile p = parse("--api-tls-cert", cert.toString(), "--api-tls-key", key.toString()).profile();
    assertThat(p.apiTls().certificateChainPem()).contains("BEGIN CERTIFICATE");
  }

  @Test
  void eachBadOptionIsOneLineNamingTheFlagAndExit2() throws Exception {
    Path rsaKey = Files.writeString(dir.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nsecretstuff\n-----END RSA PRIVATE KEY-----\n");
    Path cert = Files.writeString(dir.resolve("c.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    String[][] cases = {
        {"--api-dialect", "v3"}, {"--api-dialect"},
        {"--api-dialect", "v4", "--emqx-version", "5.8.1"}, {"--api-dialect"},
        {"--emqx-version", "3.2"}, {"--emqx-version"},
        {"--edition", "Community"}, {"--edition"},
        {"--emqx-version", "6.0.0", "--edition", "Opensource"}, {"--edition"},
        {"--eviction-slices", "7"}, {"--eviction-slices"},
        {"--improve", "faster"}, {"--improve"},
        {"--max-connections", "-1"}, {"--max-connections"},
        {"--api-tls-cert", cert.toString()}, {"--api-tls-key"},
        {"--api-tls-cert", cert.toString(), "--api-tls-key", dir.resolve("missing.key").toString()}, {"--api-tls-key"},
        {"--api-tls-cert", cert.toString(), "--api-tls-key", rsaKey.toString()}, {"--api-tls-key"},
    };
    for (int i = 0; i < cases.length; i += 2) {
      String[] r = fail(cases[i]);
      assertThat(r[0]).as(String.join(" ", cases[i])).isEqualTo("2");
      assertThat(r[1].strip()).as(String.join(" ", cases[i])).startsWith("ferry broker: ").contains(cases[i + 1][0])
          .doesNotContain("\n").doesNotContain("secretstuff");
    }
  }
}
