package dev.ferry.lab.fleet;

import io.netty.handler.codec.mqtt.MqttVersion;

/** The MQTT version a fleet speaks. */
public enum MqttProtocol {
  V3_1_1(MqttVersion.MQTT_3_1_1),
  V5(MqttVersion.MQTT_5);

  private final MqttVersion netty;

  MqttProtocol(MqttVersion netty) {
    this.netty = netty;
  }

  MqttVersion netty() {
    return netty;
  }
}
