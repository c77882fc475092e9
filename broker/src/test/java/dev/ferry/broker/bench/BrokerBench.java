package dev.ferry.broker.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
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
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client of {@code scripts/bench-broker}: one broker, already running in its own process, is
 * measured from outside, so mosquitto and the lab broker get the very same client. It opens N MQTT 5
 * connections as the lab's fleet does (clean start off, a session expiry of 300 s, keepalive 300 s),
 * at most {@value #MAX_PENDING_CONNECTS} CONNECTs waiting for their CONNACK at a time, as fast as the
 * broker answers, on one Netty event loop; then leaves them idle and prints one table row:
 * <ul>
 *   <li>accepted/s: N over the time from the first CONNECT to the last CONNACK; the peak: the most
 *       CONNACKs in one second of that window;
 *   <li>RSS per idle connection: the broker process's VmRSS (/proc/PID/status) with the N connections
 *       idle, minus the same before the first CONNECT, over N;
 *   <li>broker CPU seconds: the user and system time the broker process used from just before the
 *       first CONNECT to the idle reading (on 2 shared cores, the client's CPU is what is left);
 *   <li>for a JVM broker, its used heap before and after (jcmd GC.heap_info, no GC forced).
 * </ul>
 * Arguments: {@code LABEL PID HOST PORT N JVM(true|false)}. Not a test: run by the script.
 */
public final class BrokerBench {

  static final int MAX_CONNECTIONS = 15_000;
  static final int MAX_PENDING_CONNECTS = 256;
  static final long CONNECT_PHASE_LIMIT_SECONDS = 120;
  static final long IDLE_MILLIS = 3_000;
  static final int CLOCK_TICKS_PER_SECOND = 100;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private BrokerBench() {}

  public static void main(String[] args) throws Exception {
    String label = args[0];
    long pid = Long.parseLong(args[1]);
    InetSocketAddress target = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
    int n = Integer.parseInt(args[4]);
    boolean jvm = Boolean.parseBoolean(args[5]);
    if (n < 1 || n > MAX_CONNECTIONS) {
      throw new IllegalArgumentException("N must be 1.." + MAX_CONNECTIONS + " (open files), was " + n);
    }
    long rssBefore = rssKb(pid);
    long cpuBefore = cpuTicks(pid);
    long heapBefore = jvm ? heapUsedKb(pid) : -1;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      ConnectRun run = new ConnectRun(group, target, n, label);
      run.connectAll();
      Thread.sleep(IDLE_MILLIS);
      long cpuTicks = cpuTicks(pid) - cpuBefore;
      long rssAfter = rssKb(pid);
      long heapAfter = jvm ? heapUsedKb(pid) : -1;
      double seconds = run.nanos / 1e9;
      System.out.printf(Locale.ROOT, "| %s | %,d | %d | %.2f | %,.0f | %,d | %.2f | %.1f → %.1f | %,d | %s | %.2f |%n",
          label, run.acked.get(), run.failed.get(), seconds, run.acked.get() / seconds, run.peakPerSecond(),
          cpuTicks / (double) CLOCK_TICKS_PER_SECOND,
          rssBefore / 1024.0, rssAfter / 1024.0, (rssAfter - rssBefore) * 1024 / Math.max(1, run.acked.get()),
          jvm ? String.format(Locale.ROOT, "%.1f → %.1f", heapBefore / 1024.0, heapAfter / 1024.0) : "–",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.flush();
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** N connections, opened with a bounded number of CONNECTs in flight. */
  private static final class ConnectRun {
    final Semaphore pending = new Semaphore(MAX_PENDING_CONNECTS);
    final AtomicInteger acked = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicIntegerArray perSecond = new AtomicIntegerArray((int) CONNECT_PHASE_LIMIT_SECONDS + 1);
    final Queue<Channel> channels = new ConcurrentLinkedQueue<>();
    final Bootstrap bootstrap;
    final InetSocketAddress target;
    final int n;
    long start;
    long nanos;

    ConnectRun(EventLoopGroup group, InetSocketAddress target, int n, String label) {
      this.target = target;
      this.n = n;
      AtomicInteger nextId = new AtomicInteger();
      this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              String clientId = "bench-" + label + "-" + nextId.incrementAndGet();
              ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new ConnectHandler(ConnectRun.this, clientId));
            }
          });
    }

    void connectAll() throws InterruptedException {
      start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(CONNECT_PHASE_LIMIT_SECONDS);
      for (int i = 0; i < n; i++) {
        if (!pending.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
        bootstrap.connect(target).addListener(f -> {
          if (!f.isSuccess()) {
            failed.incrementAndGet();
            pending.release();
          }
        });
      }
      // Every CONNECT answered, failed, or the phase's time is up.
      pending.tryAcquire(MAX_PENDING_CONNECTS, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      nanos = System.nanoTime() - start;
    }

    void onConnAck(boolean accepted) {
      if (accepted) {
        acked.incrementAndGet();
        int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
        perSecond.incrementAndGet(Math.min(second, perSecond.length() - 1));
      } else {
        failed.incrementAndGet();
      }
      pending.release();
    }

    int peakPerSecond() {
      int peak = 0;
      for (int i = 0; i < perSecond.length(); i++) {
        peak = Math.max(peak, perSecond.get(i));
      }
      return peak;
    }
  }

  private static final class ConnectHandler extends SimpleChannelInboundHandler<MqttMessage> {
    private final ConnectRun run;
    private final String clientId;
    private boolean answered;

    ConnectHandler(ConnectRun run, String clientId) {
      this.run = run;
      this.clientId = clientId;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      run.channels.add(ctx.channel());
      MqttProperties p = new MqttProperties();
      p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 300));
      ctx.writeAndFlush(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
          .clientId(clientId).cleanSession(false).keepAlive(300).properties(p).build());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
      if (m instanceof MqttConnAckMessage ack && !answered) {
        answered = true;
        run.onConnAck(ack.variableHeader().connectReturnCode().byteValue() == 0);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!answered) {
        answered = true;
        run.onConnAck(false);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for process " + pid);
  }

  /**
   * User plus system CPU time the process has used (/proc/PID/stat, fields 14 and 15), in clock ticks
   * of {@value #CLOCK_TICKS_PER_SECOND} per second (Linux's USER_HZ).
   */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 counted from pid
  }

  /** The JVM's used heap as jcmd reports it (no GC forced), in KB; -1 if jcmd does not answer. */
  static long heapUsedKb(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    Matcher m = HEAP_USED.matcher(out);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
