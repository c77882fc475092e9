package dev.ferry.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ferry} command: one entry point for the lab, the broker and the operator.
 *
 * <p>Errors are kubectl's way: one line, {@code ferry <command>: error: <what>}, naming the flag,
 * file or server, exit 2; the stack trace only with {@code -v}. A bad flag adds where the help is.
 */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    versionProvider = Ferry.Version.class,
    description = "Releases services on Kubernetes without losing clients, messages or requests.",
    subcommands = {LabCommand.class, OperatorCommand.class, GetCommand.class, ListCommand.class, PromoteCommand.class,
        ReleaseVerbCommands.Abort.class, ReleaseVerbCommands.Retry.class, ReleaseVerbCommands.Pause.class,
        ReleaseVerbCommands.Resume.class, ReleaseVerbCommands.Undo.class, RebalanceCommand.class, CheckCommand.class, BrokerCommand.class, CommandLine.HelpCommand.class})
public final class Ferry implements Runnable {

  /** Exit code of a user's or cluster's error (a bad flag, an unreadable file, an unreachable server). */
  static final int ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
      description = "on an error, print its stack trace too")
  boolean verbose;

  public static void main(String[] args) {
    int code;
    try {
      code = commandLine().execute(args);
    } catch (Throwable t) { // an Error picocli lets through: never exit 1, which check uses for "risks found"
      System.err.println("ferry: error: " + t);
      code = ERROR;
    }
    System.exit(code);
  }

  static CommandLine commandLine() {
    return handling(new CommandLine(new Ferry()));
  }

  /** {@code cl} with ferry's error handling. */
  static CommandLine handling(CommandLine cl) {
    cl.setExecutionExceptionHandler(Ferry::onError);
    cl.setParameterExceptionHandler(Ferry::onBadArguments);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** What a command threw: one line, exit 2. */
  private static int onError(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    PrintWriter err = command.getErr();
    err.println(prefix(command) + "error: " + message(e));
    if (verbose(parsed)) {
      e.printStackTrace(err);
    } else if (!(e instanceof CliError)) {
      err.println(prefix(command) + "(run with -v for the stack trace)");
    }
    err.flush();
    return ERROR;
  }

  /** A flag or argument picocli refused: the reason and where the help is, exit 2. */
  private static int onBadArguments(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(prefix(command) + "error: " + e.getMessage());
    err.println("See '" + command.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
    return ERROR;
  }

  private static String prefix(CommandLine command) {
    return command.getCommandSpec().qualifiedName() + ": ";
  }

  private static boolean verbose(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("-v")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The error in words a user can act on: a Kubernetes error names the API server and says what it
   * answered, or that it could not be reached.
   */
  static String message(Throwable e) {
    if (e instanceof CliError) {
      return e.getMessage();
    }
    if (e instanceof KubernetesClientException k) {
      String server = KubeOptions.server();
      String where = server == null ? "the API server" : "the API server " + server;
      if (k.getCode() > 0) {
        String said = k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage();
        return where + " answered " + k.getCode() + ": " + said;
      }
      Throwable root = root(k);
      String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      return root instanceof java.io.IOException ? "cannot reach " + where + ": " + why : where + ": " + why;
    }
    return e.getMessage() == null ? e.toString() : e.toString().replaceFirst("^java\\.lang\\.", "");
  }

  private static Throwable root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** {@code ferry 0.1.0-SNAPSHOT (commit 1dadc06)}: the build's version and the commit it was built from. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = Ferry.class.getResourceAsStream("/ferry-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // the version stays unknown
      }
      String version = p.getProperty("version", "unknown");
      String commit = p.getProperty("commit", "");
      return new String[] {"ferry " + version + (commit.isBlank() || commit.startsWith("${") ? "" : " (commit " + commit + ")")};
    }
  }
}
