package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreStopTest {

  @Test
  void sleepsAreAddedAndQuickCommandsCountZero() {
    PreStop p = PreStop.ofCommand(List.of("/bin/sh", "-c", "curl -s http://127.0.0.1:22222/offline || true; sleep 10"));
    assertThat(p.atLeastSeconds()).isEqualTo(10);
    assertThat(p.exact()).isTrue();
    assertThat(p.offline()).isTrue();
  }

  @Test
  void aScriptOfTheImageMakesTheLengthUnknown() {
    PreStop p = PreStop.ofCommand(List.of("sh", "-c", "sleep 3 && /app/drain.sh"));
    assertThat(p.atLeastSeconds()).isEqualTo(3);
    assertThat(p.exact()).isFalse();
    assertThat(p.lengthText()).isEqualTo("at least 3s");
  }

  @Test
  void sleepWithoutAShellAndWithUnits() {
    assertThat(PreStop.ofCommand(List.of("/bin/sleep", "1m")).atLeastSeconds()).isEqualTo(60);
    assertThat(PreStop.ofCommand(List.of("sleep", "2.5")).atLeastSeconds()).isEqualTo(2.5);
    assertThat(PreStop.ofCommand(List.of("sleep", "infinity")).exact()).isFalse();
  }

  @Test
  void theHookFerryRendersIsRead() {
    // As TemplateRenderer writes it for offlineUrl and preStopSleepSeconds 10.
    PreStop p = PreStop.ofCommand(List.of("sh", "-c", "wget -q -T 5 -O /dev/null 'http://localhost:22222/offline' "
        + "2>/dev/null || curl -fsS -m 5 -o /dev/null 'http://localhost:22222/offline' 2>/dev/null; sleep 10"));
    assertThat(p.atLeastSeconds()).isEqualTo(10);
    assertThat(p.exact()).isTrue();
    assertThat(p.offline()).isTrue();
  }

  @Test
  void redirectionsAreNotCommands() {
    PreStop p = PreStop.ofCommand(List.of("bash", "-c", "curl -s localhost:22222/offline >/dev/null 2>&1; sleep 7"));
    assertThat(p.exact()).isTrue();
    assertThat(p.atLeastSeconds()).isEqualTo(7);
  }
}
