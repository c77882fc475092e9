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

/** {@code spec.drain.http}: where each pod serves Ferry's HTTP drain protocol. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class HttpDrain {

  @JsonPropertyDescription("Port on each pod that serves the drain protocol.")
  @Required
  @Min(1)
  @Max(65535)
  private Integer port;

  @JsonPropertyDescription("Path under which the pod serves the drain protocol. Defaults to /drain.")
  @Pattern("^/.*")
  @Default("/drain")
  private String path = "/drain";

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HttpDrain that && Objects.equals(port, that.port) && Objects.equals(path, that.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, path);
  }

  @Override
  public String toString() {
    return "HttpDrain{port=" + port + ", path=" + path + "}";
  }
}
