package dev.ferry.lab.fleet;

import java.util.BitSet;

/**
 * The messages meant for one subscriber: which sequence numbers its publisher sent, which the
 * broker acknowledged (PUBACK: from then on the broker is responsible for delivery) and which the
 * subscriber received, how often. Sequence numbers start at 1 and have no gaps on the publishing
 * side, so bit sets hold them compactly.
 *
 * <p>The publisher and the subscriber run on different event loops; the methods are synchronized
 * (never contended for long: each is a few bit operations).
 */
final class SequenceLedger {

  private long published;
  private final BitSet acked = new BitSet();
  private final BitSet received = new BitSet();
  private long duplicates;
  /** Set once the subscriber holds its subscription, so publishing to it is meaningful. */
  private volatile boolean subscribed;

  synchronized long nextSequence() {
    return ++published;
  }

  synchronized void acked(long seq) {
    acked.set(index(seq));
  }

  /** Records a delivery; returns false when this sequence number had been received before. */
  synchronized boolean received(long seq) {
    if (seq < 1 || seq > Integer.MAX_VALUE) {
      return true; // not one of ours: ignored by the counts
    }
    int i = index(seq);
    if (received.get(i)) {
      duplicates++;
      return false;
    }
    received.set(i);
    return true;
  }

  void subscribed() {
    subscribed = true;
  }

  boolean isSubscribed() {
    return subscribed;
  }

  synchronized Tally tally() {
    BitSet lost = (BitSet) acked.clone();
    lost.andNot(received);
    BitSet unconfirmed = new BitSet();
    unconfirmed.set(1, (int) published + 1);
    unconfirmed.andNot(acked);
    unconfirmed.andNot(received);
    return new Tally(published, acked.cardinality(), received.cardinality(), duplicates,
        lost.cardinality(), unconfirmed.cardinality(), lost.stream().limit(MAX_LISTED).boxed().toList());
  }

  /** How many lost sequence numbers a tally lists, to find them in the logs. */
  static final int MAX_LISTED = 10;

  /**
   * @param lost acknowledged by the broker and never received: what QoS 1 promises not to happen
   * @param unconfirmed sent, never acknowledged and never received (the publisher gave up or stopped
   *     first); not a broker loss, reported apart
   */
  record Tally(long published, long acked, long received, long duplicates, long lost, long unconfirmed,
      java.util.List<Integer> firstLost) {}

  private static int index(long seq) {
    return Math.toIntExact(seq);
  }
}
