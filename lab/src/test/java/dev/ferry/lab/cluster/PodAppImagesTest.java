package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which images the kubelet runs as request/response applications. */
class PodAppImagesTest {

  @Test
  void imagesThatRunAsApplications() {
    assertThat(PodApp.handles("web:2")).isTrue();
    assertThat(PodApp.handles("registry.example/team/dubbo-provider:3.3")).isTrue();
    assertThat(PodApp.handles("emqx:5.8.1")).isFalse();
    assertThat(PodApp.handles("webhook:1")).isFalse();
  }
}
