package dev.ferry.operator.emqx;

import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.LocalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import java.net.URI;
import java.util.List;

/**
 * One EMQX node's load-rebalance API, whatever its dialect (EMQX 5's {@code /api/v5}, EMQX
 * Enterprise 4.4's {@code /api/v4}): the drainer and the Rebalance reconciler speak to this, so they
 * never depend on which EMQX answers. The answers are normalised to one model (node status
 * {@code running}/{@code stopped}, lists where 4.4 once keyed by node name).
 *
 * <p>Every call fails with an {@link EmqxException} that says where and why, never with an
 * unchecked exception and never with a credential in its message. Start and stop are idempotent:
 * {@code already_started} counts as started, {@code not_started} as stopped.
 */
public interface EmqxApi {

  /** Which dialect this node speaks. */
  enum Dialect { V4, V5 }

  Dialect dialect();

  /** Where the API is, for messages: {@code https://[fd00::5]:18084/api/v5}. */
  URI base();

  /** {@code GET /nodes}: this node's view of the cluster. */
  List<Node> nodes() throws EmqxException;

  /** {@code GET /load_rebalance/status}: what this node itself runs. */
  LocalStatus localStatus() throws EmqxException;

  /** {@code GET /load_rebalance/global_status}: what the nodes that answered in time run. */
  GlobalStatus globalStatus() throws EmqxException;

  /** Starts evacuating {@code node}; one that runs already counts as started. */
  void startEvacuation(String node, EvacuationRequest request) throws EmqxException;

  /** Stops the evacuation of {@code node}; one that does not run counts as stopped. */
  void stopEvacuation(String node) throws EmqxException;

  /**
   * Starts a rebalance coordinated by {@code coordinator}; one that runs already counts as started.
   * An already balanced cluster fails with {@link EmqxException#nothingToBalance()}.
   */
  void startRebalance(String coordinator, RebalanceRequest request) throws EmqxException;

  /**
   * Stops the rebalance {@code coordinator} coordinates; {@code not_started} counts as stopped, so
   * it must be called with the coordinator's own name (any other node answers not_started).
   */
  void stopRebalance(String coordinator) throws EmqxException;
}
