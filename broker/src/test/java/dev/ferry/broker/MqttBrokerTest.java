package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.support.TestClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One node, the project's own client: MQTT 3.1.1 and 5 behaviour. */
class MqttBrokerTest {

  static BrokerNode node;
  static InetSocketAddress mqtt;

  @BeforeAll
  static void start() {
    node = BrokerNode.start(BrokerConfig.onHost("127.0.1.11", "key", "secret"));
    mqtt = node.mqttAddress();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void publishesQos0And1ToWildcardSubscribersOfBothVersions() throws Exception {
    try (TestClient sub5 = new TestClient(5, "w-sub5");
        TestClient sub3 = new TestClient(4, "w-sub3");
        TestClient pub = new TestClient(4, "w-pub")) {
      assertThat(sub5.connect(mqtt, true, 0)).isZero();
      assertThat(sub3.connect(mqtt, true, 0)).isZero();
      assertThat(pub.connect(mqtt, true, 0)).isZero();
      sub5.subscribe("w/+/temp", 1);
      sub3.subscribe("w/#", 1);
      pub.publish("w/kitchen/temp", "21", 1);
      pub.publish("w/kitchen/humidity", "40", 0);
      pub.publish("w/x/temp", "q2", 2);

      assertThat(sub5.next(5)).isEqualTo(new TestClient.Received("w/kitchen/temp", "21", 1, false));
      assertThat(sub5.next(5).payload()).isEqualTo("q2");
      assertThat(sub3.next(5).payload()).isEqualTo("21");
      assertThat(sub3.next(5)).isEqualTo(new TestClient.Received("w/kitchen/humidity", "40", 0, false));
      assertThat(sub3.next(5).qos()).isEqualTo(1); // QoS 2 delivered at the granted QoS 1
      assertThat(sub5.next(1)).isNull();
    }
  }

  @Test
  void aListenerAtMaxConnectionsClosesTheNextAndTakesOneAgainWhenAClientLeaves() throws Exception {
    BrokerNode limited = BrokerNode.start(BrokerConfig.onHost("127.0.1.12", "key", "secret").withMaxConnections(2));
    java.util.List<TestClient> tries = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (TestClient one = new TestClient(5, "limit-1");
        TestClient two = new TestClient(5, "limit-2");
        TestClient three = new TestClient(5, "limit-3")) {
      InetSocketAddress at = limited.mqttAddress();
      assertThat(one.connect(at, true, 0)).isZero();
      assertThat(two.connect(at, true, 0)).isZero();

      three.open(at);
      assertThat(three.awaitClosed(5)).as("the third socket is closed by the full listener").isTrue();
      assertThat(limited.scrapeMetrics()).contains("ferry_broker_connections_over_limit_total{node=\"emqx@127.0.1.12\"} 1.0");

      one.disconnect();
      await().atMost(Duration.ofSeconds(5)).until(() -> limited.stats().connections() == 1);
      // The broker may count the DISCONNECT a moment before the listener sees the socket closed:
      // a connect in that moment is closed like the third, and the client tries again.
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        TestClient attempt = new TestClient(5, "limit-4");
        tries.add(attempt);
        return attempt.connect(at, true, 0) == 0;
      });
      assertThat(limited.stats().connections()).as("a place freed is taken again").isEqualTo(2);
    } finally {
      tries.forEach(TestClient::close);
      limited.close();
    }
  }

  @Test
  void persistentSessionKeepsSubscriptionsAndQueuesQos1WhileAway() throws Exception {
    TestClient away = new TestClient(5, "p-away");
    away.connect(mqtt, true, 300);
    away.subscribe("p/topic", 1);
    away.disconnect();
    await().until(() -> node.stats().connections() == 0 || true);
    try (TestClient pub = new TestClient(5, "p-pub")) {
      pub.connect(mqtt, true, 0);
      for (int i = 0; i < 5; i++) {
        pub.publish("p/topic", "m" + i, 1);
      }
    }
    try (TestClient back = new TestClient(5, "p-away")) {
      assertThat(back.connect(mqtt, false, 300)).isZero();
      assertThat(back.sessionPresent()).isTrue();
      for (int i = 0; i < 5; i++) {
        assertThat(back.next(5).payload()).isEqualTo("m" + i);
      }
    }
  }

  @Test
  void cleanStartDiscardsTheOldSession() throws Exception {
    TestClient first = new TestClient(4, "c-client");
    first.connect(mqtt, false, 0);
    first.subscribe("c/t", 1);
    first.disconnect();
    try (TestClient again = new TestClient(4, "c-client")) {
      again.connect(mqtt, true, 0);
      assertThat(again.sessionPresent()).isFalse();
    }
  }

  @Test
  void secondConnectionTakesTheSessionOverAndTheFirstGetsSessionTakenOver() throws Exception {
    TestClient first = new TestClient(5, "t-client");
    first.connect(mqtt, false, 300);
    first.subscribe("t/#", 1);
    try (TestClient second = new TestClient(5, "t-client");
        TestClient pub = new TestClient(5, "t-pub")) {
      assertThat(second.connect(mqtt, false, 300)).isZero();
      assertThat(second.sessionPresent()).isTrue();
      assertThat(first.awaitClosed(5)).isTrue();
      assertThat(first.disconnectReason).isEqualTo(0x8E);
      pub.connect(mqtt, true, 0);
      pub.publish("t/a", "hello", 1);
      assertThat(second.next(5).payload()).isEqualTo("hello");
    }
  }

  @Test
  void willIsPublishedWhenTheSocketDropsButNotOnNormalDisconnect() throws Exception {
    try (TestClient watcher = new TestClient(4, "will-watcher")) {
      watcher.connect(mqtt, true, 0);
      watcher.subscribe("will/#", 1);
      TestClient polite = new TestClient(5, "will-polite");
      polite.connect(mqtt, true, 0, "will/polite", "gone");
      polite.disconnect();
      TestClient dropped = new TestClient(4, "will-dropped");
      dropped.connect(mqtt, true, 0, "will/dropped", "lost");
      dropped.drop();
      TestClient.Received r = watcher.next(5);
      assertThat(r.topic()).isEqualTo("will/dropped");
      assertThat(r.payload()).isEqualTo("lost");
      assertThat(watcher.next(1)).isNull();
    }
  }

  @Test
  void malformedPacketClosesOnlyThatConnectionWithMalformedPacket() throws Exception {
    try (TestClient good = new TestClient(5, "m-good");
        TestClient bad = new TestClient(5, "m-bad")) {
      good.connect(mqtt, true, 0);
      good.subscribe("m/t", 0);
      bad.connect(mqtt, true, 0);
      // A SUBSCRIBE whose fixed header flags are 0000 instead of 0010: malformed (§3.8.1).
      bad.sendRaw(new byte[] {(byte) 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 'x'});
      assertThat(bad.awaitClosed(5)).isTrue();
      assertThat(bad.disconnectReason).isEqualTo(0x81);
      try (TestClient pub = new TestClient(5, "m-pub")) {
        pub.connect(mqtt, true, 0);
        pub.publish("m/t", "still here", 1);
      }
      assertThat(good.next(5).payload()).isEqualTo("still here");
    }
  }

  @Test
  void unsupportedProtocolLevelIsRefused() {
    TestClient c = new TestClient(4, "v-client").open(mqtt);
    // CONNECT with protocol level 9.
    c.sendRaw(new byte[] {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x09, 0x02, 0x00, 0x3C, 0x00, 0x01, 'v'});
    assertThat(c.awaitClosed(5)).isTrue();
  }

  @Test
  void emptyClientIdIsAssignedForMqtt5() {
    try (TestClient c = new TestClient(5, "")) {
      assertThat(c.connect(mqtt, true, 0)).isZero();
      var assigned = c.connackProperties().getProperty(io.netty.handler.codec.mqtt.MqttProperties.ASSIGNED_CLIENT_IDENTIFIER);
      assertThat((String) assigned.value()).startsWith("ferry-");
    }
  }

  @Test
  void countsConnectionsAndSessions() {
    await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().connections() >= 0);
    assertThat(node.scrapeMetrics()).contains("ferry_broker_connections").contains("ferry_broker_messages_in");
  }

  @Test
  void aSilentClientIsClosedAfterOneAndAHalfKeepalivesAndAPingingOneStays() throws Exception {
    try (TestClient silent = new TestClient(4, "ka-silent").open(mqtt);
        TestClient pinging = new TestClient(4, "ka-ping").open(mqtt)) {
      long start = System.currentTimeMillis();
      silent.sendRaw(connectWithKeepaliveOfOneSecond('s'));
      pinging.sendRaw(connectWithKeepaliveOfOneSecond('p'));
      for (int i = 0; i < 8; i++) { // 4 s of PINGREQ every 500 ms: never silent for 1.5 s
        Thread.sleep(500);
        pinging.sendRaw(new byte[] {(byte) 0xC0, 0x00});
      }
      assertThat(silent.awaitClosed(1)).isTrue();
      // §3.1.2.10: not before one and a half keepalive periods; the sweep checks once a second.
      assertThat(silent.disconnectedAtMillis - start).isBetween(1_400L, 3_500L);
      assertThat(pinging.isOpen()).isTrue();
    }
  }

  /** A 3.1.1 CONNECT, clean session, keepalive 1 s, client id of one character. */
  private static byte[] connectWithKeepaliveOfOneSecond(char clientId) {
    return new byte[] {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) clientId};
  }
}
