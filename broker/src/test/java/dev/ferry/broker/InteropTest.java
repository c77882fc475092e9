package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.broker.support.Cluster3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients nobody here wrote: Eclipse Paho (MQTT 3.1.1 and 5) and Debian's mosquitto_pub/sub. */
class InteropTest {

  static Cluster3 c;

  @BeforeAll
  static void start() {
    c = new Cluster3(61, 2);
  }

  @AfterAll
  static void stop() {
    c.close();
  }

  static String uri(BrokerNode n) {
    return "tcp://" + n.mqttAddress().getHostString() + ":" + n.mqttAddress().getPort();
  }

  @Test
  void pahoV3PersistentSessionResumesOnTheOtherNode() throws Exception {
    LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    MqttClient sub = new MqttClient(uri(c.get(0)), "paho3-sub", new MemoryPersistence());
    MqttConnectOptions opts = new MqttConnectOptions();
    opts.setCleanSession(false);
    sub.connect(opts);
    sub.subscribe("paho3/#", 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
    MqttClient pub = new MqttClient(uri(c.get(1)), "paho3-pub", new MemoryPersistence());
    pub.connect();
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      pub.publish("paho3/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
      return got.poll(500, TimeUnit.MILLISECONDS) != null;
    });
    got.clear();
    pub.publish("paho3/a", "live".getBytes(StandardCharsets.UTF_8), 1, false);
    assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("live");
    sub.disconnect();
    sub.close();
    pub.publish("paho3/a", "queued".getBytes(StandardCharsets.UTF_8), 1, false);
    MqttClient back = new MqttClient(uri(c.get(1)), "paho3-sub", new MemoryPersistence());
    back.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
      public void connectionLost(Throwable cause) {}

      public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
        got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
      }

      public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {}
    });
    back.connect(opts);
    // "live" may come again first: QoS 1 resends what the old connection had not acknowledged.
    assertThat(untilQueued(got, "queued")).isTrue();
    back.disconnect();
    back.close();
    pub.disconnect();
    pub.close();
  }

  @Test
  void pahoV5PublishesAcrossNodesAndResumesItsSession() throws Exception {
    LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    var sub = new org.eclipse.paho.mqttv5.client.MqttClient(uri(c.get(0)), "paho5-sub",
        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(false);
    o.setSessionExpiryInterval(300L);
    sub.connect(o);
    sub.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
        new org.eclipse.paho.mqttv5.common.MqttSubscription("paho5/+", 1)},
        new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
            (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8))});
    var pub = new org.eclipse.paho.mqttv5.client.MqttClient(uri(c.get(1)), "paho5-pub",
        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    pub.connect();
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      pub.publish("paho5/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
      return got.poll(500, TimeUnit.MILLISECONDS) != null;
    });
    got.clear();
    sub.disconnect();
    sub.close();
    pub.publish("paho5/x", "queued5".getBytes(StandardCharsets.UTF_8), 1, false);
    var back = new org.eclipse.paho.mqttv5.client.MqttClient(uri(c.get(1)), "paho5-sub",
        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    back.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
      public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

      public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

      public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
        got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
      }

      public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {}

      public void connectComplete(boolean reconnect, String uri) {}

      public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {}
    });
    var token = back.connectWithResult(o);
    assertThat(token.getSessionPresent()).isTrue();
    assertThat(untilQueued(got, "queued5")).isTrue();
    back.disconnect();
    back.close();
    pub.disconnect();
    pub.close();
  }

  static boolean untilQueued(LinkedBlockingQueue<String> got, String wanted) throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      String m = got.poll(5, TimeUnit.SECONDS);
      if (wanted.equals(m)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void mosquittoClientsPublishAndSubscribeAcrossNodes() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_sub")),
        "mosquitto_sub missing: scripts/install-test-tools.sh installs Debian's mosquitto-clients");
    BrokerNode a = c.get(0);
    BrokerNode b = c.get(1);
    Process sub = new ProcessBuilder("mosquitto_sub", "-V", "mqttv5", "-h", a.mqttAddress().getHostString(),
        "-p", String.valueOf(a.mqttAddress().getPort()), "-t", "mosq/#", "-q", "1", "-C", "1", "-i", "mosq-sub",
        "-W", "20").redirectErrorStream(true).start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> a.stats().connections() >= 1);
      await().atMost(Duration.ofSeconds(15)).until(() -> {
        Process pub = new ProcessBuilder("mosquitto_pub", "-V", "mqttv311", "-h", b.mqttAddress().getHostString(),
            "-p", String.valueOf(b.mqttAddress().getPort()), "-t", "mosq/hello", "-q", "1", "-m", "from-mosquitto")
            .redirectErrorStream(true).start();
        pub.waitFor(5, TimeUnit.SECONDS);
        return sub.waitFor(500, TimeUnit.MILLISECONDS);
      });
      String out = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).contains("from-mosquitto");
    } finally {
      sub.destroy();
    }
  }
}
