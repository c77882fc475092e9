package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which dialect of EMQX's REST API the emqx drainer speaks. */
public enum EmqxApiVersion {
  /** Ask {@code /api/v5} first, then {@code /api/v4}; the answer is remembered per pod. */
  @JsonProperty("auto")
  AUTO,

  /** EMQX 5 and 6: {@code /api/v5} on the dashboard listener (18083), an API key and secret. */
  @JsonProperty("v5")
  V5,

  /** EMQX Enterprise 4.4: {@code /api/v4} on the management listener (8081), an app id and secret. */
  @JsonProperty("v4")
  V4;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
