package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.drain.emqx}: how Ferry reaches the EMQX REST API of each pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class EmqxDrain {

  @JsonPropertyDescription("Dialect of the EMQX REST API: v5 (EMQX 5 and 6, /api/v5 with an API key), v4 "
      + "(EMQX Enterprise 4.4, /api/v4 on the management listener with an app id and secret), or auto (try v5, "
      + "then v4, once per pod). Defaults to auto.")
  @Default("auto")
  private EmqxApiVersion apiVersion = EmqxApiVersion.AUTO;

  @JsonPropertyDescription("Port of the REST API on each pod. Defaults to 18083 for v5 (the dashboard "
      + "listener; 18084 is EMQX's usual HTTPS port) and 8081 for v4; auto tries both.")
  @Min(1)
  @Max(65535)
  private Integer port;

  @JsonPropertyDescription("http or https. With https the API's certificate is verified against caSecret "
      + "(or the JVM's trusted authorities) and serverName. Defaults to http.")
  @Pattern("^(http|https)$")
  @Default("http")
  private String scheme = "http";

  @JsonPropertyDescription("With scheme https: name of a Secret in the same namespace whose data key "
      + "'ca.crt' holds the PEM certificate(s) of the authority that signed the API's certificate. Unset: the "
      + "JVM's trusted authorities.")
  private String caSecret;

  @JsonPropertyDescription("With scheme https: the name the API's certificate must carry (sent as SNI and "
      + "checked against the certificate), since pods are reached by IP. Unset: the pod IP itself must be in "
      + "the certificate.")
  private String serverName;

  @JsonPropertyDescription("Name of a Secret in the same namespace holding the API credentials: under data "
      + "key 'key' the API key (v4: the app id) and under 'secret' its secret (HTTP basic auth).")
  @Required
  private String apiKeySecret;

  @JsonPropertyDescription("Sent to EMQX as redirect_to. EMQX's REST API accepts it and ignores it: no "
      + "client receives a Server-Reference (only EMQX's command line sets one). Kept for EMQX versions that "
      + "honour it; clients reconnect to the address they used either way.")
  private String redirectTo;

  public EmqxApiVersion getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(EmqxApiVersion apiVersion) {
    this.apiVersion = apiVersion;
  }

  /**
   * Reads {@code apiVersion} leniently: a value this version does not know becomes null, reported
   * as an invalid field by the operator (an API server that enforces the enum never lets one in).
   */
  @com.fasterxml.jackson.annotation.JsonSetter("apiVersion")
  void readApiVersion(String raw) {
    this.apiVersion = null;
    for (EmqxApiVersion v : EmqxApiVersion.values()) {
      if (v.wireName().equals(raw)) {
        this.apiVersion = v;
      }
    }
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public String getScheme() {
    return scheme;
  }

  public void setScheme(String scheme) {
    this.scheme = scheme;
  }

  public String getCaSecret() {
    return caSecret;
  }

  public void setCaSecret(String caSecret) {
    this.caSecret = caSecret;
  }

  public String getServerName() {
    return serverName;
  }

  public void setServerName(String serverName) {
    this.serverName = serverName;
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
        && apiVersion == that.apiVersion
        && Objects.equals(port, that.port)
        && Objects.equals(scheme, that.scheme)
        && Objects.equals(caSecret, that.caSecret)
        && Objects.equals(serverName, that.serverName)
        && Objects.equals(apiKeySecret, that.apiKeySecret)
        && Objects.equals(redirectTo, that.redirectTo);
  }

  @Override
  public int hashCode() {
    return Objects.hash(apiVersion, port, scheme, caSecret, serverName, apiKeySecret, redirectTo);
  }

  @Override
  public String toString() {
    return "EmqxDrain{apiVersion=" + apiVersion + ", port=" + port + ", scheme=" + scheme + ", caSecret=" + caSecret
        + ", serverName=" + serverName + ", apiKeySecret=" + apiKeySecret + ", redirectTo=" + redirectTo + "}";
  }
}
