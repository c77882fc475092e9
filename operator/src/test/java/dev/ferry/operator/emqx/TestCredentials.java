package dev.ferry.operator.emqx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The test credentials, and the check that no failure ever shows them. */
final class TestCredentials {
  static final String KEY = "ferry";
  static final String SECRET = "topsecret-4711";
  static final EmqxCredentials CREDENTIALS = new EmqxCredentials(KEY, SECRET);

  private TestCredentials() {}

  /** Neither the secret nor the Authorization value anywhere in the exception, its causes or its server message. */
  static void assertNoCredential(EmqxException e, String... otherSecrets) {
    String basic = Base64.getEncoder().encodeToString((KEY + ":" + SECRET).getBytes(StandardCharsets.UTF_8));
    for (Throwable t = e; t != null; t = t.getCause()) {
      String text = t + " " + t.getMessage();
      assertThat(text).doesNotContain(SECRET).doesNotContain(basic);
      for (String s : otherSecrets) {
        assertThat(text).doesNotContain(s);
      }
    }
    assertThat(e.serverMessage()).doesNotContain(SECRET);
  }
}
