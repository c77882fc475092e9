package dev.ferry.broker.api;

import dev.ferry.broker.EmqxProfile.ApiTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away certificate authority and server certificates it signs, for the lab broker's HTTPS
 * API in tests and lab runs. Made with the JDK's own {@code keytool} (no library, no internal JDK
 * class), EC P-256, valid for two days.
 *
 * <pre>{@code
 * LabCertificates ca = LabCertificates.create("Ferry lab CA");
 * ApiTls tls = ca.server("emqx.ferry.test");            // for EmqxProfile.withApiTls
 * String trust = ca.caPem();                            // what a client trusts
 * }</pre>
 */
public final class LabCertificates {

  private static final String PASSWORD = "lab-only";
  private final Path dir;
  private final String caPem;
  private int issued;

  private LabCertificates(Path dir, String caPem) {
    this.dir = dir;
    this.caPem = caPem;
  }

  /** A new authority named {@code commonName}, in a temporary directory removed at exit. */
  public static LabCertificates create(String commonName) {
    try {
      Path dir = Files.createTempDirectory("ferry-lab-ca");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
      keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=" + commonName, "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
      keytool(dir, "-exportcert", "-alias", "ca", "-rfc", "-file", "ca.crt", "-keystore", "ca.p12");
      return new LabCertificates(dir, Files.readString(dir.resolve("ca.crt"), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The authority's certificate, PEM. */
  public String caPem() {
    return caPem;
  }

  /**
   * A server certificate signed by this authority naming {@code names} in its subject alternative
   * names (an IP literal becomes an IP entry), with its chain and key as the API needs them.
   */
  public synchronized ApiTls server(String... names) {
    String alias = "server" + (++issued);
    String store = alias + ".p12";
    List<String> san = new ArrayList<>();
    for (String n : names) {
      san.add((n.matches("[0-9.]+") || n.contains(":") ? "ip:" : "dns:") + n);
    }
    try {
      keytool(dir, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=" + names[0], "-validity", "2", "-keystore", store);
      keytool(dir, "-certreq", "-alias", alias, "-file", alias + ".csr", "-keystore", store);
      keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", alias + ".csr",
          "-outfile", alias + ".crt", "-rfc", "-validity", "2", "-ext", "san=" + String.join(",", san),
          "-ext", "eku=serverAuth");
      String leaf = Files.readString(dir.resolve(alias + ".crt"), StandardCharsets.US_ASCII);
      return new ApiTls(leaf + caPem, privateKeyPem(dir.resolve(store), alias));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String privateKeyPem(Path store, String alias) throws IOException {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, PASSWORD.toCharArray());
      Key key = ks.getKey(alias, PASSWORD.toCharArray());
      String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
      return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot read the key of " + alias, e);
    }
  }

  private static void keytool(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("keytool " + args[0] + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while running keytool", e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
