package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.support.TestClient;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When a QoS 1 PUBLISH is acknowledged, over real sockets: only once the broker took it (routed or
 * queued it), so a publisher taken over or evicted in between gets no PUBACK for a message that
 * went nowhere, and sends it again. The broker thread is held still to choose the moment.
 */
class PublishAckTest {

  static BrokerNode node;

  @BeforeAll
  static void start() {
    node = BrokerNode.start(BrokerConfig.onHost("127.0.1.41", "key", "secret"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void pubackComesOnlyAfterTheBrokerRoutedTheMessage() throws Exception {
    try (TestClient sub = new TestClient(5, "ack-sub"); TestClient pub = new TestClient(5, "ack-pub")) {
      sub.connect(node.mqttAddress(), true, 0);
      sub.subscribe("ack/1", 1);
      pub.connect(node.mqttAddress(), true, 0);

      BrokerThreadHold hold = BrokerThreadHold.of(node);
      pub.publishAsync("ack/1", "held", 1);
      // The broker has not seen it yet, so it must not have acknowledged it.
      assertThat(pub.nextAck(500)).isNull();
      hold.close();
      MqttMessage ack = pub.nextAck(5000);
      assertThat(ack).isNotNull();
      assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
      assertThat(sub.next(5).payload()).isEqualTo("held");
    }
  }

  @Test
  void publishOfAConnectionTakenOverMeanwhileIsNotAcknowledgedAndComesAgain() throws Exception {
    try (TestClient sub = new TestClient(5, "tk-sub");
        TestClient first = new TestClient(5, "tk-pub");
        TestClient second = new TestClient(5, "tk-pub")) {
      sub.connect(node.mqttAddress(), true, 0);
      sub.subscribe("tk/1", 1);
      first.connect(node.mqttAddress(), false, 60);

      BrokerThreadHold hold = BrokerThreadHold.of(node);
      long tasks = hold.submittedTasks();
      var secondAck = second.connectAsync(node.mqttAddress(), false, 60); // queued first: it takes over
      await().atMost(Duration.ofSeconds(10)).until(() -> hold.submittedTasks() == tasks + 1);
      first.publishAsync("tk/1", "racing", 1); // queued behind the takeover
      await().atMost(Duration.ofSeconds(10)).until(() -> hold.submittedTasks() == tasks + 2);
      hold.close();

      assertThat(secondAck.get(5, TimeUnit.SECONDS).variableHeader().connectReturnCode().byteValue()).isZero();
      assertThat(first.awaitClosed(5)).isTrue();
      assertThat(first.disconnectReason).isEqualTo(0x8E);
      // Not taken, so not acknowledged: nothing acknowledged was dropped.
      assertThat(first.nextAck(300)).isNull();
      assertThat(sub.next(1)).isNull();
      // The client sends it again on its new connection, and this one counts.
      second.publish("tk/1", "racing", 1);
      assertThat(sub.next(5).payload()).isEqualTo("racing");
    }
  }

  @Test
  void qos1MessageSentAgainAfterAReconnectCarriesDup() throws Exception {
    try (TestClient pub = new TestClient(5, "dup-pub")) {
      TestClient sub = new TestClient(5, "dup-sub");
      sub.connect(node.mqttAddress(), false, 60);
      sub.subscribe("dup/1", 1);
      sub.autoAck = false;
      pub.connect(node.mqttAddress(), true, 0);
      pub.publish("dup/1", "once", 1);
      assertThat(sub.next(5)).isEqualTo(new TestClient.Received("dup/1", "once", 1, false));
      sub.drop();
      await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().connections() == 1);

      try (TestClient back = new TestClient(5, "dup-sub")) {
        back.connect(node.mqttAddress(), false, 60);
        assertThat(back.next(5)).isEqualTo(new TestClient.Received("dup/1", "once", 1, true));
        pub.publish("dup/1", "fresh", 1);
        assertThat(back.next(5)).isEqualTo(new TestClient.Received("dup/1", "fresh", 1, false));
      }
    }
  }
}
