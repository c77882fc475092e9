package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.drain.emqx}: how Ferry reaches the EMQX 5 REST API of each pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class EmqxDrain {

  @JsonPropertyDescription("Port of the EMQX REST API (the dashboard listener) on each pod. Defaults to "
      + "18083.")
  @Min(1)
  @Max(65535)
  @Default("18083")
  private Integer port = 18083;

  @JsonPropertyDescription("Name of a Secret in the same namespace holding an EMQX API key: the key under "
      + "data key 'key' and its secret under data key 'secret' (HTTP basic auth of the REST API).")
  @Required
  private String apiKeySecret;

  @JsonPropertyDescription("Optional server reference sent to MQTT 5 clients when they are disconnected "
      + "(EMQX redirect_to), e.g. the address of the Service. Unset: clients reconnect to the address "
      + "they used.")
  private String redirectTo;

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public String getApiKeySecret() {
    return apiKeySecret;
  }

  public void setApiKeySecret(String apiKeySecret) {
    this.apiKeySecret = apiKeySecret;
  }

  public String getRedirectTo() {
    return redirectTo;
  }

  public void setRedirectTo(String redirectTo) {
    this.redirectTo = redirectTo;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EmqxDrain that
        && Objects.equals(port, that.port)
        && Objects.equals(apiKeySecret, that.apiKeySecret)
        && Objects.equals(redirectTo, that.redirectTo);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, apiKeySecret, redirectTo);
  }

  @Override
  public String toString() {
    return "EmqxDrain{port=" + port + ", apiKeySecret=" + apiKeySecret + ", redirectTo=" + redirectTo + "}";
  }
}
