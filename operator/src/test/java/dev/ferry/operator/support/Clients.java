package dev.ferry.operator.support;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * MQTT 5 clients (HiveMQ's, a client no one here wrote) with persistent sessions that reconnect, as
 * real clients do, to whatever address the Service would give them now. Each counts how often the
 * server disconnected it, and how often with 0x9C "use another server".
 */
public final class Clients implements AutoCloseable {

  /** One client and its counters. */
  public record Client(Mqtt5AsyncClient mqtt, AtomicInteger disconnects, AtomicInteger useAnotherServer) {
    public boolean connected() {
      return mqtt.getState().isConnected();
    }
  }

  private final List<Client> clients = new ArrayList<>();

  /** Connects {@code n} clients, each to the address {@code next} gives when it (re)connects. */
  public static Clients connect(int n, Supplier<InetSocketAddress> next) {
    Clients all = new Clients();
    for (int i = 0; i < n; i++) {
      AtomicInteger disconnects = new AtomicInteger();
      AtomicInteger useAnother = new AtomicInteger();
      Mqtt5AsyncClient mqtt = MqttClient.builder().useMqttVersion5()
          .identifier("client-" + i)
          .serverAddress(next.get())
          .addDisconnectedListener(ctx -> {
            if (ctx.getSource() == MqttDisconnectSource.USER) {
              return;
            }
            if (ctx.getSource() == MqttDisconnectSource.SERVER) {
              disconnects.incrementAndGet();
              if (ctx.getCause() instanceof Mqtt5DisconnectException d
                  && d.getMqttMessage().getReasonCode().getCode() == 0x9C) {
                useAnother.incrementAndGet();
              }
            }
            ctx.getReconnector().reconnect(true).delay(50, TimeUnit.MILLISECONDS)
                .transportConfig().serverAddress(next.get()).applyTransportConfig();
          })
          .buildAsync();
      mqtt.connectWith().cleanStart(false).sessionExpiryInterval(3600).send()
          .orTimeout(10, TimeUnit.SECONDS).join();
      all.clients.add(new Client(mqtt, disconnects, useAnother));
    }
    return all;
  }

  public List<Integer> disconnectsPerClient() {
    return clients.stream().map(c -> c.disconnects().get()).toList();
  }

  public List<Integer> useAnotherServerPerClient() {
    return clients.stream().map(c -> c.useAnotherServer().get()).toList();
  }

  public long connected() {
    return clients.stream().filter(Client::connected).count();
  }

  public int size() {
    return clients.size();
  }

  @Override
  public void close() {
    for (Client c : clients) {
      try {
        c.mqtt().disconnect().orTimeout(2, TimeUnit.SECONDS).exceptionally(t -> null).join();
      } catch (RuntimeException ignored) {
        // best effort: the broker goes away right after
      }
    }
  }
}
