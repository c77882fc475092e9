package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ServerReferenceTest {

  @Test
  void readsTheFirstServerOfTheListInEveryCommonForm() {
    assertThat(ServerReference.parse("127.0.1.2:1884")).contains(new InetSocketAddress("127.0.1.2", 1884));
    assertThat(ServerReference.parse("127.0.1.2")).contains(new InetSocketAddress("127.0.1.2", 1883));
    assertThat(ServerReference.parse("mqtt://127.0.1.2:1884/")).contains(new InetSocketAddress("127.0.1.2", 1884));
    assertThat(ServerReference.parse("127.0.1.3:1 127.0.1.4:2")).contains(new InetSocketAddress("127.0.1.3", 1));
    assertThat(ServerReference.parse("[::1]:1884")).contains(new InetSocketAddress("::1", 1884));
    InetSocketAddress named = ServerReference.parse("mqtt.example.com:1883").orElseThrow();
    assertThat(named.isUnresolved()).isTrue(); // never resolved on an event loop
    assertThat(named.getHostString()).isEqualTo("mqtt.example.com");
  }

  @Test
  void ignoresWhatItCannotRead() {
    assertThat(ServerReference.parse(null)).isEmpty();
    assertThat(ServerReference.parse(" ")).isEmpty();
    assertThat(ServerReference.parse("host:notaport")).isEmpty();
    assertThat(ServerReference.parse("host:70000")).isEmpty();
    assertThat(ServerReference.parse("[::1")).isEmpty();
  }
}
