package dev.ferry.broker.bench;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A benchmark, not a test (surefire does not run it: its name does not end in Test): how fast one
 * broker node accepts MQTT connections, and how much heap an idle connection costs it.
 *
 * <p>This process runs one node and nothing else; the clients run in a second JVM (this class's
 * {@link #clients} mode), so the heap measured is the broker's alone and each process stays far
 * below the machine's ~20,000 open files (the node holds one file per connection, the client
 * process one). The clients open N MQTT 5 connections (clean start, a session expiry of 300 s,
 * keepalive 300 s, at most 256 CONNECTs waiting for their CONNACK at a time) as fast as the node
 * answers, then stay idle. Reported:
 * <ul>
 *   <li>connections accepted per second: N divided by the time from the first CONNECT to the last
 *       CONNACK, as the client process saw it;
 *   <li>heap bytes per idle connection: the node's used heap after a full GC with the N
 *       connections idle, minus the same before they came, divided by N (sessions included).
 * </ul>
 *
 * <pre>
 * ./mvnw -B -q -o -pl broker test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx1g -cp %classpath dev.ferry.broker.bench.ConnectionBenchmark 10000 3"
 * </pre>
 * Arguments: N (1..15,000, default 5,000) and the number of rounds (default 3; each round a fresh
 * node, so the first round also shows the JIT warming up).
 */
public final class ConnectionBenchmark {

  static final int MAX_CONNECTIONS = 15_000;
  static final int MAX_PENDING_CONNECTS = 256;

  private ConnectionBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("clients")) {
      clients(args);
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    if (n < 1 || n > MAX_CONNECTIONS) {
      throw new IllegalArgumentException("N must be 1.." + MAX_CONNECTIONS + " (open files), was " + n);
    }
    System.out.printf(Locale.ROOT, "connections=%d rounds=%d cores=%d load=%s java=%s%n", n, rounds,
        Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version"));
    for (int r = 1; r <= rounds; r++) {
      round(r, n);
    }
  }

  private static void round(int round, int n) throws Exception {
    try (BrokerNode node = BrokerNode.start(BrokerConfig.onHost("127.0.9.1", "key", "secret"))) {
      long before = usedHeapAfterGc();
      InetSocketAddress mqtt = node.mqttAddress();
      String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
      Process clients = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
          ConnectionBenchmark.class.getName(), "clients", mqtt.getHostString(), Integer.toString(mqtt.getPort()),
          Integer.toString(n))
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8));
          Writer in = new OutputStreamWriter(clients.getOutputStream(), StandardCharsets.UTF_8)) {
        String line = out.readLine(); // "connected <n> <millis> <failed>"
        if (line == null || !line.startsWith("connected ")) {
          throw new IllegalStateException("client process said: " + line);
        }
        String[] f = line.split(" ");
        int connected = Integer.parseInt(f[1]);
        long millis = Long.parseLong(f[2]);
        long deadline = System.currentTimeMillis() + 30_000;
        while (node.stats().connections() < connected && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
        }
        Thread.sleep(1000); // idle: nothing in flight
        long after = usedHeapAfterGc();
        System.out.printf(Locale.ROOT,
            "round=%d connected=%d failed=%s seconds=%.2f accepted_per_second=%.0f heap_before_mb=%.1f heap_after_mb=%.1f"
                + " heap_bytes_per_idle_connection=%d load=%s%n",
            round, connected, f[3], millis / 1000.0, connected * 1000.0 / Math.max(1, millis),
            before / 1048576.0, after / 1048576.0, (after - before) / Math.max(1, connected), loadAverage());
        in.write("quit\n");
        in.flush();
      }
      clients.waitFor(30, TimeUnit.SECONDS);
      clients.destroy();
    }
  }

  /** The client process: opens the connections, reports, keeps them idle until told to quit. */
  private static void clients(String[] args) throws Exception {
    InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    int n = Integer.parseInt(args[3]);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Semaphore pending = new Semaphore(MAX_PENDING_CONNECTS);
    AtomicInteger acked = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new SimpleChannelInboundHandler<MqttMessage>() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                MqttProperties p = new MqttProperties();
                p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 300));
                ctx.writeAndFlush(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                    .clientId("bench-" + ctx.channel().id().asShortText()).cleanSession(true).keepAlive(300)
                    .properties(p).build());
              }

              @Override
              protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
                if (m instanceof MqttConnAckMessage ack) {
                  if (ack.variableHeader().connectReturnCode().byteValue() == 0) {
                    acked.incrementAndGet();
                  } else {
                    failed.incrementAndGet();
                  }
                  pending.release();
                }
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
              }
            });
          }
        });
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      pending.acquire();
      b.connect(target).addListener(f -> {
        if (!f.isSuccess()) {
          failed.incrementAndGet();
          pending.release();
        }
      });
    }
    pending.acquire(MAX_PENDING_CONNECTS); // every CONNECT answered (or failed)
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("connected " + acked.get() + " " + millis + " " + failed.get());
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String loadAverage() {
    double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format(Locale.ROOT, "%.2f", l);
  }
}
