package dev.ferry.broker.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/** What the broker logic needs from the inter-node channel. Called on the broker thread. */
public interface Cluster {

  /** The field a peer's status gets where it is received: when it arrived ({@code Broker.now()}). */
  String STATUS_RECEIVED_AT = "received_at_ms";

  /** Peers with a live channel, by node name. */
  List<String> upPeers();

  /** Every peer ever seen, up or not. */
  Set<String> knownPeers();

  /** Sends to one peer; false if it is not up. */
  boolean send(String node, ObjectNode message);

  /** Up peers that have a route (a subscribed filter) matching {@code topic}. */
  List<String> peersMatching(String topic);

  /** The last status a peer reported (it is sent when it changes), or null. */
  ObjectNode peerStatus(String node);

  /** The peers whose routes this node still waits for before it can serve (empty: synced). */
  default List<String> waitingFor() {
    return List.of();
  }

  /** A cluster of one, for a node started without peers and before the channel starts. */
  Cluster NONE =
      new Cluster() {
        @Override
        public List<String> upPeers() {
          return List.of();
        }

        @Override
        public Set<String> knownPeers() {
          return Set.of();
        }

        @Override
        public boolean send(String node, ObjectNode message) {
          return false;
        }

        @Override
        public List<String> peersMatching(String topic) {
          return List.of();
        }

        @Override
        public ObjectNode peerStatus(String node) {
          return null;
        }
      };
}
