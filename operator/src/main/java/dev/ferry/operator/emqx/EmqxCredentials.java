package dev.ferry.operator.emqx;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** An EMQX API key and secret, read from a Secret. Never printed: toString hides both. */
public record EmqxCredentials(String key, String secret) {

  public EmqxCredentials {
    if (key == null || key.isEmpty() || secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("an EMQX API key needs a key and a secret");
    }
  }

  String basicAuthHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "EmqxCredentials[key=***, secret=***]";
  }
}
